namespace MLNet.Extensions.Trainers.Training;

/// <summary>How training spreads over processes (see <see cref="NetworkTrainingOptions.Distributed"/>).</summary>
public enum DistributedMode
{
    /// <summary>Join the MPI world when an MPI launcher started this process (mpirun, mpiexec, srun); otherwise train in this process only.</summary>
    Auto,
    /// <summary>Train in this process only, even under an MPI launcher.</summary>
    None,
    /// <summary>Always join the MPI world; fails naming the libraries it tried when no MPI library is installed.</summary>
    Mpi,
}
