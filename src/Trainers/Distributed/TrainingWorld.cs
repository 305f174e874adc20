using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Distributed;

/// <summary>The group of processes a trainer joins for a <see cref="DistributedMode"/>; programs use it to learn their rank.</summary>
public static class TrainingWorld
{
    /// <summary>
    /// The MPI world for <see cref="DistributedMode.Mpi"/>, and for <see cref="DistributedMode.Auto"/> when
    /// <see cref="MpiLaunch.IsLaunched"/>; otherwise the single-process communicator.
    /// </summary>
    public static ICommunicator Resolve(DistributedMode mode) => mode switch
    {
        DistributedMode.None => SingleProcessCommunicator.Instance,
        DistributedMode.Mpi => MpiCommunicator.World,
        DistributedMode.Auto => MpiLaunch.IsLaunched ? MpiCommunicator.World : SingleProcessCommunicator.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Auto, None or Mpi."),
    };

    /// <summary>
    /// Kernel threads of a Fit when the options leave it open: the process default (<see cref="KernelSettings.ThreadCount"/>),
    /// shared by the ranks on this host when there are several, so that they do not oversubscribe its cores.
    /// </summary>
    public static int DefaultThreadCount(ICommunicator world) =>
        world.Size == 1 ? KernelSettings.ThreadCount : Math.Max(1, KernelSettings.ThreadCount / Math.Min(world.Size, MpiLaunch.LocalSize));
}
