using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Tests.Threading;

/// <summary>How a worker waits for a location to move: a wake-up only ends the wait it was meant for.</summary>
public class ParkingTests
{
    [Fact]
    public void ALateWakeDoesNotEndAWaitWhoseLocationHasNotMoved()
    {
        var parking = new Parking();
        int[] location = [0];
        var waiter = new Thread(() => parking.WaitWhileEqual(ref location[0], 0)) { IsBackground = true };
        waiter.Start();
        // Far past the waiter's 50 us of spinning, so it has parked on the semaphore.
        Thread.Sleep(200);

        // What a waker descheduled between moving an earlier location and calling Wake delivers to the next wait.
        parking.Wake();
        Assert.False(waiter.Join(300), "The wait ended although its location still holds the value it waits past.");

        Volatile.Write(ref location[0], 1);
        parking.Wake();
        Assert.True(waiter.Join(10_000), "The wait did not end after its location moved and the waker woke it.");
    }
}
