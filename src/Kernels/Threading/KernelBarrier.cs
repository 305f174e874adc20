namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// Lets the participants of one <see cref="KernelParallel.Together"/> region wait for each other: no participant passes
/// <see cref="SignalAndWait"/> until all have reached it. If a participant fails, the others leave their wait with an
/// exception instead of waiting for it forever, and the region rethrows the first failure.
/// </summary>
public sealed class KernelBarrier
{
    private readonly Parking[] _parking;
    private int _participants;
    private int _arrived;
    private int _phase;
    private volatile bool _aborted;

    internal KernelBarrier(int capacity)
    {
        _parking = new Parking[capacity];
        for (int i = 0; i < capacity; i++)
            _parking[i] = new Parking();
    }

    /// <summary>Threads that take part in the current region.</summary>
    public int Participants => _participants;

    internal int Capacity => _parking.Length;

    internal void Reset(int participants)
    {
        _participants = participants;
        _arrived = 0;
        _aborted = false;
    }

    internal void Abort()
    {
        _aborted = true;
        Interlocked.Increment(ref _phase);
        for (int i = 0; i < _participants; i++)
            _parking[i].Wake();
    }

    /// <summary>Blocks participant <paramref name="participant"/> until every participant has called this method once more.</summary>
    public void SignalAndWait(int participant)
    {
        if ((uint)participant >= (uint)_participants)
            throw new ArgumentOutOfRangeException(nameof(participant), participant, $"Expected a participant in [0, {_participants}).");
        int phase = Volatile.Read(ref _phase);
        ThrowIfAborted();
        if (Interlocked.Increment(ref _arrived) == _participants)
        {
            _arrived = 0;
            Interlocked.Increment(ref _phase);
            for (int i = 0; i < _participants; i++)
            {
                if (i != participant)
                    _parking[i].Wake();
            }
            return;
        }
        _parking[participant].WaitWhileEqual(ref _phase, phase);
        ThrowIfAborted();
    }

    private void ThrowIfAborted()
    {
        if (_aborted)
            throw new OperationCanceledException("Another participant of the parallel region failed.");
    }
}
