using System.Diagnostics;

namespace MLNet.Extensions.Kernels.Distributed;

/// <summary>
/// The world of ranks an MPI launcher started (MPI_COMM_WORLD), over our own binding of the MPI library. MPI is
/// initialized on first use of <see cref="World"/> and finalized when the process exits. A collective that waits longer
/// than <see cref="CollectiveTimeout"/> ends this process, so that a rank which died or hangs stops the job instead of
/// leaving the others waiting; the launcher then ends the remaining ranks.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>Environment variable that sets <see cref="CollectiveTimeout"/> in seconds.</summary>
    public const string TimeoutVariable = "MLNET_MPI_TIMEOUT_SECONDS";

    private static readonly Lazy<MpiCommunicator> s_world = new(() => new MpiCommunicator(MpiLibrary.Load()));

    private readonly MpiLibrary _mpi;
    private readonly bool _ownsInitialization;
    private readonly Timer _watchdog;
    private long _collectiveStarted;
    private string _collective = "";

    private MpiCommunicator(MpiLibrary mpi)
    {
        _mpi = mpi;
        _ownsInitialization = mpi.InitializeOnce();
        Rank = mpi.Rank();
        Size = mpi.Size();
        Description = $"{mpi.Version()} ({mpi.Path})";
        if (MpiLaunch.LaunchedSize is int launched && launched != Size)
            throw new InvalidOperationException(
                $"The launcher started {launched} ranks but {mpi.Path} reports a world of {Size}: the library does not belong to the " +
                $"launcher (for example Open MPI's library under MPICH's mpiexec). Set {MpiLaunch.LibraryVariable} to the launcher's libmpi.");
        CollectiveTimeout = ReadTimeout();
        _watchdog = new Timer(_ => Watch(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
    }

    /// <summary>MPI_COMM_WORLD; the first use loads the library and initializes MPI, throwing <see cref="DllNotFoundException"/> naming what it tried when there is none.</summary>
    public static MpiCommunicator World => s_world.Value;

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Longest a collective may wait for the other ranks before this process ends (default 10 minutes, or <see cref="TimeoutVariable"/>).</summary>
    public TimeSpan CollectiveTimeout { get; set; }

    /// <inheritdoc />
    public void AllreduceSum(Span<float> values)
    {
        Begin("MPI_Allreduce");
        fixed (float* p = values)
        {
            for (int start = 0; start < values.Length; start += int.MaxValue)
                _mpi.AllreduceInPlace(p + start, Math.Min(int.MaxValue, values.Length - start), _mpi.Float, _mpi.Sum);
        }
        End();
    }

    /// <inheritdoc />
    public void AllreduceSum(Span<double> values) => Allreduce(values, _mpi.Sum);

    /// <inheritdoc />
    public void AllreduceMax(Span<double> values) => Allreduce(values, _mpi.Max);

    /// <inheritdoc />
    public void Broadcast(Span<float> values, int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"Expected a rank from 0 to {Size - 1}.");
        Begin("MPI_Bcast");
        fixed (float* p = values)
        {
            for (int start = 0; start < values.Length; start += int.MaxValue)
                _mpi.Broadcast(p + start, Math.Min(int.MaxValue, values.Length - start), _mpi.Float, root);
        }
        End();
    }

    /// <inheritdoc />
    public void Barrier()
    {
        Begin("MPI_Barrier");
        _mpi.Barrier();
        End();
    }

    /// <inheritdoc />
    public void Abort(string message, int exitCode = 1)
    {
        Console.Out.Flush();
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        _mpi.Abort(exitCode);
        Environment.Exit(exitCode);
    }

    private void Allreduce(Span<double> values, nint op)
    {
        Begin("MPI_Allreduce");
        fixed (double* p = values)
        {
            for (int start = 0; start < values.Length; start += int.MaxValue)
                _mpi.AllreduceInPlace(p + start, Math.Min(int.MaxValue, values.Length - start), _mpi.Double, op);
        }
        End();
    }

    private void Begin(string collective)
    {
        _collective = collective;
        Volatile.Write(ref _collectiveStarted, Stopwatch.GetTimestamp());
    }

    private void End() => Volatile.Write(ref _collectiveStarted, 0);

    private void Watch()
    {
        long started = Volatile.Read(ref _collectiveStarted);
        if (started == 0)
            return;
        TimeSpan waited = Stopwatch.GetElapsedTime(started);
        if (waited > CollectiveTimeout)
        {
            // MPI_Abort from this thread would race the blocked call; ending the process lets the launcher end the others.
            Environment.FailFast(
                $"Rank {Rank} of {Size}: {_collective} has waited {waited.TotalSeconds:F0} s for the other ranks (CollectiveTimeout " +
                $"{CollectiveTimeout.TotalSeconds:F0} s, {TimeoutVariable}); another rank has failed or hangs. Ending this rank.");
        }
    }

    private void Shutdown()
    {
        _watchdog.Dispose();
        if (_ownsInitialization && !_mpi.IsFinalized)
            _mpi.FinalizeMpi();
    }

    private static TimeSpan ReadTimeout() =>
        double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), System.Globalization.CultureInfo.InvariantCulture,
            out double seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(10);
}
