using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.Extensions.Kernels.Distributed;

/// <summary>
/// Our own binding of the few MPI functions data-parallel training calls, resolved from the loaded library by name.
/// Open MPI's handles (communicator, datatypes, operations) are addresses of exported objects; MPICH's are integer
/// constants from its mpi.h. Handles travel as <see cref="nint"/>: MPICH's 32-bit ints arrive in argument registers on
/// x64 and arm64 (every call here has at most six arguments), where the callee reads only the low half.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    private const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED in both mpi.h files.

    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<byte*, int*, int> _libraryVersion;

    private MpiLibrary(string path, nint handle)
    {
        Path = path;
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(handle, "MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(handle, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(handle, "MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export(handle, "MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export(handle, "MPI_Abort");
        _libraryVersion = (delegate* unmanaged<byte*, int*, int>)Export(handle, "MPI_Get_library_version");

        if (NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out nint world))
        {
            IsOpenMpi = true;
            CommWorld = world;
            Float = Export(handle, "ompi_mpi_float");
            Double = Export(handle, "ompi_mpi_double");
            Sum = Export(handle, "ompi_mpi_op_sum");
            Max = Export(handle, "ompi_mpi_op_max");
            InPlace = 1;
        }
        else
        {
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            Sum = 0x58000003;
            Max = 0x58000001;
            InPlace = -1;
        }
    }

    /// <summary>The file that was loaded.</summary>
    public string Path { get; }

    /// <summary>True for Open MPI (handles are exported objects), false for MPICH and its derivatives.</summary>
    public bool IsOpenMpi { get; }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Sum { get; }
    public nint Max { get; }

    /// <summary>MPI_IN_PLACE: (void*)1 in Open MPI, (void*)-1 in MPICH.</summary>
    public nint InPlace { get; }

    /// <summary>
    /// Loads the library <see cref="MpiLaunch.LibraryVariable"/> names, else the one the launcher's variables point to
    /// first, then <c>libmpi.so.40</c> (Open MPI) and <c>libmpich.so.12</c> (MPICH); throws naming every attempt.
    /// </summary>
    public static MpiLibrary Load()
    {
        var candidates = new List<string>();
        string? configured = Environment.GetEnvironmentVariable(MpiLaunch.LibraryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            candidates.Add(configured);
        if (MpiLaunch.LauncherKind == "mpich")
            candidates.AddRange(["libmpich.so.12", "libmpi.so.40"]);
        else
            candidates.AddRange(["libmpi.so.40", "libmpich.so.12"]);
        if (OperatingSystem.IsMacOS())
            candidates.AddRange(["libmpi.40.dylib", "libmpich.12.dylib"]);

        var failures = new StringBuilder();
        foreach (string name in candidates.Distinct())
        {
            if (NativeLibrary.TryLoad(name, typeof(MpiLibrary).Assembly, DllImportSearchPath.SafeDirectories, out nint handle)
                || NativeLibrary.TryLoad(name, out handle))
            {
                if (NativeLibrary.TryGetExport(handle, "MPI_Allreduce", out _))
                    return new MpiLibrary(name, handle);
                failures.Append($"\n  {name}: loaded, but it exports no MPI_Allreduce");
                continue;
            }
            failures.Append($"\n  {name}: not found");
        }
        throw new DllNotFoundException(
            $"No MPI library could be loaded. Tried:{failures}\nInstall Open MPI (apt-get install openmpi-bin libopenmpi-dev) or MPICH, " +
            $"or set {MpiLaunch.LibraryVariable} to the library file (for example /opt/mpi/lib/libmpi.so).");
    }

    /// <summary>Initializes MPI unless something in this process already did; returns false when it was already done.</summary>
    public bool InitializeOnce()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        if (flag != 0)
            return false;
        int provided;
        Check(_initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        return true;
    }

    /// <summary>True once MPI_Finalize has run.</summary>
    public bool IsFinalized
    {
        get
        {
            int flag;
            Check(_finalized(&flag), "MPI_Finalized");
            return flag != 0;
        }
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    public int Rank()
    {
        int rank;
        Check(_commRank(CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int Size()
    {
        int size;
        Check(_commSize(CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    public void AllreduceInPlace(void* values, int count, nint datatype, nint op) =>
        Check(_allreduce((void*)InPlace, values, count, datatype, op, CommWorld), "MPI_Allreduce");

    public void Broadcast(void* values, int count, nint datatype, int root) =>
        Check(_bcast(values, count, datatype, root, CommWorld), "MPI_Bcast");

    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    public void Abort(int code) => _abort(CommWorld, code);

    /// <summary>The library's own version line (MPI_Get_library_version), first line only.</summary>
    public string Version()
    {
        const int capacity = 8192; // MPICH's MPI_MAX_LIBRARY_VERSION_STRING; Open MPI's is 256.
        byte* text = stackalloc byte[capacity];
        int length;
        Check(_libraryVersion(text, &length), "MPI_Get_library_version");
        string version = Encoding.UTF8.GetString(text, Math.Clamp(length, 0, capacity));
        return version.Split('\n', 2)[0].TrimEnd('\0').Trim().TrimEnd(',');
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out nint address)
            ? address
            : throw new EntryPointNotFoundException($"The MPI library exports no '{name}'.");

    private static void Check(int code, string function)
    {
        // With MPI's default handler (errors are fatal) a failing call never returns; this covers libraries set otherwise.
        if (code != 0)
            throw new InvalidOperationException($"{function} failed with MPI error code {code}.");
    }
}
