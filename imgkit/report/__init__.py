"""What a run tells: report.json, report.html, thumbnails, the progress display."""
