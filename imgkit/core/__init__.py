"""Pure numpy kernels: arrays in, arrays out, no file I/O."""
