using MLNet.Extensions.Kernels.Distributed;

namespace MLNet.Extensions.Kernels.Tests.Distributed;

/// <summary>The single-process communicator, and the MPI binding's loader without initializing MPI (the multi-rank tests run under mpirun in the trainer tests).</summary>
public class CommunicatorTests
{
    [Fact]
    public void SingleProcessCollectivesLeaveTheValuesAlone()
    {
        ICommunicator world = SingleProcessCommunicator.Instance;
        float[] floats = [1.5f, -2f];
        double[] doubles = [3, -4];
        world.AllreduceSum(floats);
        world.AllreduceSum(doubles);
        world.AllreduceMax(doubles);
        world.Broadcast(floats, root: 0);
        world.Barrier();
        Assert.Equal([1.5f, -2f], floats);
        Assert.Equal([3.0, -4.0], doubles);
        Assert.Equal((0, 1), (world.Rank, world.Size));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => world.Broadcast(floats, root: 1));
        Assert.Equal("root", error.ParamName);
    }

    [Fact]
    public void TheLoaderFindsOpenMpiAndReadsItsHandlesAsExportedObjects()
    {
        // CI installs Open MPI (.ci/run); its handles are addresses of ompi_mpi_* objects and MPI_IN_PLACE is (void*)1.
        MpiLibrary mpi = MpiLibrary.Load();
        Assert.Equal("libmpi.so.40", mpi.Path);
        Assert.True(mpi.IsOpenMpi);
        Assert.Equal(1, mpi.InPlace);
        Assert.Equal(5, new[] { mpi.CommWorld, mpi.Float, mpi.Double, mpi.Sum, mpi.Max }.Distinct().Count(h => h > 0x10000));
        Assert.StartsWith("Open MPI v", mpi.Version());
    }

    [Fact]
    public void WithoutALauncherNothingSaysMpiStartedThisProcess()
    {
        Assert.False(MpiLaunch.IsLaunched);
        Assert.Null(MpiLaunch.LaunchedSize);
        Assert.Equal(1, MpiLaunch.LocalSize);
    }
}
