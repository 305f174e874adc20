// Kernels stackalloc small scratch tiles on hot paths; zeroing them on every call costs more than the work they hold.
// Every such buffer is fully written before it is read.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
