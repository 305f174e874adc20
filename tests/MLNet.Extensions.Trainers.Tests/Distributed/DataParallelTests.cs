using MLNet.Extensions.Kernels.Distributed;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Distributed;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Distributed;

/// <summary>The parts of data-parallel training that one process can check: the shards, the option, the single-process world.</summary>
public class DataParallelTests
{
    /// <summary>A rank of a pretend group; its collectives are never called by sharding.</summary>
    private sealed class PretendRank(int rank, int size) : ICommunicator
    {
        public int Rank => rank;
        public int Size => size;
        public string Description => "pretend";
        public void AllreduceSum(Span<float> values) => throw new NotSupportedException();
        public void AllreduceSum(Span<double> values) => throw new NotSupportedException();
        public void AllreduceMax(Span<double> values) => throw new NotSupportedException();
        public void Broadcast(Span<float> values, int root) => throw new NotSupportedException();
        public void Barrier() => throw new NotSupportedException();
        public void Abort(string message, int exitCode = 1) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(64, 2)]
    [InlineData(1, 2)]
    [InlineData(5, 5)]
    public void ShardsPartitionEveryGlobalBatchInOrder(int rows, int ranks)
    {
        var seen = new List<int>();
        for (int rank = 0; rank < ranks; rank++)
        {
            var batch = new TrainingBatch(64, 2, 1) { Count = rows };
            for (int i = 0; i < rows; i++)
            {
                batch.Features[2 * i] = i;
                batch.Features[2 * i + 1] = -i;
                batch.Targets[i] = 10 * i;
                batch.ClassLabels[i] = 100 + i;
                batch.Lengths[i] = 1000 + i;
            }
            TrainingBatch slice = Assert.Single(new DataParallel(new PretendRank(rank, ranks)).Shard([batch]));
            Assert.InRange(slice.Count, rows / ranks, rows / ranks + 1);
            for (int k = 0; k < slice.Count; k++)
            {
                int row = (int)slice.Features[2 * k];
                Assert.Equal(-row, slice.Features[2 * k + 1]);
                Assert.Equal(10 * row, slice.Targets[k]);
                Assert.Equal(100 + row, slice.ClassLabels[k]);
                Assert.Equal(1000 + row, slice.Lengths[k]);
                seen.Add(row);
            }
        }
        Assert.Equal(Enumerable.Range(0, rows), seen);
    }

    [Fact]
    public void DistributedOptionIsValidated()
    {
        var error = Assert.Throws<ArgumentException>(() => new CnnOptions { Distributed = (DistributedMode)7 }.Validate());
        Assert.Equal(nameof(NetworkTrainingOptions.Distributed), error.ParamName);
        Assert.Contains("Auto, None or Mpi", error.Message);
    }

    [Fact]
    public void WithoutALauncherAutoAndNoneTrainInThisProcess()
    {
        Assert.False(MpiLaunch.IsLaunched, "The test process itself was started by an MPI launcher.");
        Assert.Same(SingleProcessCommunicator.Instance, TrainingWorld.Resolve(DistributedMode.Auto));
        Assert.Same(SingleProcessCommunicator.Instance, TrainingWorld.Resolve(DistributedMode.None));
        Assert.Equal(Kernels.KernelSettings.ThreadCount, TrainingWorld.DefaultThreadCount(SingleProcessCommunicator.Instance));
    }
}
