using System.Diagnostics;

namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// One thread's way of waiting for an int to move on: spin briefly (the next kernel call usually follows within
/// microseconds), then park on a semaphore so an idle pool costs no CPU. <see cref="Wake"/> releases the semaphore only
/// when the waiter has parked, so a hand-off between busy threads is a memory write and no system call.
/// </summary>
internal sealed class Parking
{
    /// <summary>How long a waiter spins before it parks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 us

    private readonly SemaphoreSlim _semaphore = new(0);
    private int _parked;

    /// <summary>Returns once <paramref name="location"/> no longer holds <paramref name="value"/>.</summary>
    public void WaitWhileEqual(ref int location, int value)
    {
        if (Volatile.Read(ref location) != value)
            return;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - start < SpinTicks)
        {
            Thread.SpinWait(20);
            if (Volatile.Read(ref location) != value)
                return;
        }
        while (true)
        {
            // Dekker-style: announce the park, then look again; whoever clears _parked owns the matching Release.
            Interlocked.Exchange(ref _parked, 1);
            bool moved = Volatile.Read(ref location) != value;
            if (moved && Interlocked.Exchange(ref _parked, 0) == 1)
                return;
            _semaphore.Wait();
            // A waker that was descheduled between moving an earlier location and calling Wake releases a later wait:
            // that wait must not end before its own location has moved.
            if (moved || Volatile.Read(ref location) != value)
                return;
        }
    }

    /// <summary>Call after changing the watched location: wakes the waiter if it has parked.</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _parked) == 1 && Interlocked.Exchange(ref _parked, 0) == 1)
            _semaphore.Release();
    }
}
