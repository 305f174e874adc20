using System.Runtime.ExceptionServices;

namespace MLNet.Extensions.Kernels.Threading;

/// <summary>
/// Persistent kernel threads that one caller at a time rents for a parallel region: the caller is participant 0 and the
/// team's threads are 1, 2, …. Between regions the threads spin briefly and then park (<see cref="Parking"/>), so a run
/// of kernel calls pays a memory write per hand-off instead of a thread-pool work item. Teams are kept in a process-wide
/// stack of idle teams: concurrent callers (two Fits at once) each rent their own, so they never wait for each other, and
/// the most recently used team, whose threads are likely still spinning, is handed out first.
/// </summary>
internal sealed class WorkerTeam
{
    private enum JobKind
    {
        Items,
        Chunks,
        Ranges,
        Together,
    }

    private static readonly Stack<WorkerTeam> s_idle = new();

    private Worker[] _workers = [];
    private KernelBarrier _barrier = new(1);
    private int _ticket;
    private int _completed;
    private int _pending;
    private readonly Parking _callerParking = new();

    // The current job; written by the caller before the ticket moves, read by the workers after.
    private JobKind _kind;
    private int _participants;
    private int _count;
    private int _chunks;
    private int _next;
    private int _threadCount;
    private Action<int>? _items;
    private Action<int, int, int>? _chunkBody;
    private Action<int, int>? _rangeBody;
    private Action<int, KernelBarrier>? _together;
    private Exception? _error;

    /// <summary>Takes an idle team (or makes one); give it back with <see cref="Return"/>.</summary>
    public static WorkerTeam Rent()
    {
        lock (s_idle)
        {
            if (s_idle.Count > 0)
                return s_idle.Pop();
        }
        return new WorkerTeam();
    }

    /// <summary>Puts the team back for the next caller.</summary>
    public static void Return(WorkerTeam team)
    {
        lock (s_idle)
            s_idle.Push(team);
    }

    /// <summary>Runs body(i) for i in [0, count) on <paramref name="participants"/> threads, items handed out one by one.</summary>
    public void RunItems(int participants, int count, Action<int> body)
    {
        _kind = JobKind.Items;
        _count = count;
        _items = body;
        Run(participants);
    }

    /// <summary>Runs body(chunk, start, end) for each non-empty one of <paramref name="chunks"/> even ranges of [0, count).</summary>
    public void RunChunks(int participants, int count, int chunks, Action<int, int, int> body)
    {
        _kind = JobKind.Chunks;
        _count = count;
        _chunks = chunks;
        _chunkBody = body;
        Run(participants);
    }

    /// <summary>Runs body(start, end) for each non-empty one of <paramref name="chunks"/> even ranges of [0, count).</summary>
    public void RunRanges(int chunks, int count, Action<int, int> body)
    {
        _kind = JobKind.Ranges;
        _count = count;
        _chunks = chunks;
        _rangeBody = body;
        Run(chunks);
    }

    /// <summary>Runs body(participant, barrier) once on each of <paramref name="participants"/> threads, all at the same time.</summary>
    public void RunTogether(int participants, Action<int, KernelBarrier> body)
    {
        _kind = JobKind.Together;
        _together = body;
        if (_barrier.Capacity < participants)
            _barrier = new KernelBarrier(participants);
        _barrier.Reset(participants);
        Run(participants);
    }

    private void Run(int participants)
    {
        EnsureWorkers(participants - 1);
        _participants = participants;
        _threadCount = KernelThreadScope.CurrentThreadCount;
        _next = 0;
        _error = null;
        _pending = participants - 1;
        int ticket = Interlocked.Increment(ref _ticket);
        for (int i = 0; i < participants - 1; i++)
            _workers[i].Assign(ticket);
        Share(0);
        if (participants == 1)
            _completed = ticket;
        else
            _callerParking.WaitWhileEqual(ref _completed, ticket - 1);
        Exception? error = _error;
        _items = null;
        _chunkBody = null;
        _rangeBody = null;
        _together = null;
        _error = null;
        if (error is not null)
            ExceptionDispatchInfo.Capture(error).Throw();
    }

    private void EnsureWorkers(int count)
    {
        if (_workers.Length >= count)
            return;
        var workers = new Worker[count];
        _workers.CopyTo(workers, 0);
        for (int i = _workers.Length; i < count; i++)
            workers[i] = new Worker(this, i + 1);
        _workers = workers;
    }

    /// <summary>One participant's part of the current job, with the caller's thread count and inside a parallel region.</summary>
    private void Share(int participant)
    {
        int previous = KernelThreadScope.Enter(_threadCount);
        KernelParallel.EnterRegion();
        try
        {
            switch (_kind)
            {
                case JobKind.Items:
                    for (int i = Interlocked.Increment(ref _next) - 1; i < _count; i = Interlocked.Increment(ref _next) - 1)
                        _items!(i);
                    break;
                case JobKind.Chunks:
                case JobKind.Ranges:
                    for (int c = Interlocked.Increment(ref _next) - 1; c < _chunks; c = Interlocked.Increment(ref _next) - 1)
                    {
                        int start = (int)((long)_count * c / _chunks), end = (int)((long)_count * (c + 1) / _chunks);
                        if (end <= start)
                            continue;
                        if (_kind == JobKind.Chunks)
                            _chunkBody!(c, start, end);
                        else
                            _rangeBody!(start, end);
                    }
                    break;
                default:
                    _together!(participant, _barrier);
                    break;
            }
        }
        catch (Exception e)
        {
            // The first real failure wins; participants that leave a barrier because of it only echo it.
            if (e is not OperationCanceledException || _error is null)
                Interlocked.CompareExchange(ref _error, e, null);
            _next = int.MaxValue / 2;
            if (_kind == JobKind.Together)
                _barrier.Abort();
        }
        finally
        {
            KernelParallel.ExitRegion();
            KernelThreadScope.Exit(previous);
        }
    }

    private void Finish(int ticket)
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            Interlocked.Exchange(ref _completed, ticket);
            _callerParking.Wake();
        }
    }

    /// <summary>A background thread that runs participant <c>index</c>'s share of each job it is assigned.</summary>
    private sealed class Worker
    {
        private readonly WorkerTeam _team;
        private readonly int _index;
        private readonly Parking _parking = new();
        private int _assigned;

        public Worker(WorkerTeam team, int index)
        {
            _team = team;
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"MLNet kernel worker {index}" };
            thread.Start();
        }

        /// <summary>Hands the worker job <paramref name="ticket"/>; the job's fields are written before this call.</summary>
        public void Assign(int ticket)
        {
            Interlocked.Exchange(ref _assigned, ticket);
            _parking.Wake();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                _parking.WaitWhileEqual(ref _assigned, seen);
                seen = Volatile.Read(ref _assigned);
                _team.Share(_index);
                _team.Finish(seen);
            }
        }
    }
}
