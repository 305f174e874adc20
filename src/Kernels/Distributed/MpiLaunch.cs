namespace MLNet.Extensions.Kernels.Distributed;

/// <summary>
/// What the MPI launcher (mpirun, mpiexec, srun) tells a process through its environment, read without loading MPI,
/// so that a program started without a launcher never touches the library.
/// </summary>
public static class MpiLaunch
{
    /// <summary>Environment variable naming an MPI library file to load instead of the default names.</summary>
    public const string LibraryVariable = "MLNET_MPI_LIBRARY";

    /// <summary>True when Open MPI (<c>OMPI_COMM_WORLD_SIZE</c>), MPICH/Hydra or Intel MPI (<c>PMI_SIZE</c>) or a PMIx launcher (<c>PMIX_RANK</c>) started this process.</summary>
    public static bool IsLaunched => LauncherKind is not null;

    /// <summary>Ranks the launcher started, or null when it does not say (PMIx) or there is no launcher.</summary>
    public static int? LaunchedSize =>
        ReadInt("OMPI_COMM_WORLD_SIZE") ?? ReadInt("PMI_SIZE");

    /// <summary>Ranks the launcher placed on this host (1 without a launcher or when it does not say).</summary>
    public static int LocalSize =>
        ReadInt("OMPI_COMM_WORLD_LOCAL_SIZE") ?? ReadInt("MPI_LOCALNRANKS") ?? ReadInt("SLURM_NTASKS_PER_NODE") ?? 1;

    /// <summary>"openmpi", "mpich" or "pmix" after the launcher's variables, or null without a launcher.</summary>
    internal static string? LauncherKind =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null ? "openmpi" :
        Environment.GetEnvironmentVariable("PMI_SIZE") is not null ? "mpich" :
        Environment.GetEnvironmentVariable("PMIX_RANK") is not null ? "pmix" : null;

    private static int? ReadInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : null;
}
