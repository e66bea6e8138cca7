"""What OUT keeps: files written atomically and verified, the lock, the state (all SQL), the backup mirror."""
