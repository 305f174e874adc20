namespace MLNet.Extensions.Trainers.Tests.Distributed;

/// <summary>
/// Data-parallel training under mpirun: two ranks reproduce one rank's training on the same global batch (shared memory and
/// forced TCP), every rank ends with the same model, and bad setups end every rank with a message instead of hanging.
/// </summary>
[Collection(MpiCollection.Name)]
public class MpiTrainingTests
{
    // Two ranks sum the same gradient contributions in another order and run the kernels on half batches, so losses differ
    // in the last float digits: measured up to 3e-8 relative; 1e-6 leaves a margin of 30x.
    private const double RelativeTolerance = 1e-6;
    // The worker validates on 301 rows; a changed last digit may flip at most one borderline prediction.
    private const double AccuracyTolerance = 1.0 / 301 + 1e-12;

    private readonly WorkerRun _alone;

    public MpiTrainingTests(OneRankReference reference)
    {
        _alone = reference.Run;
    }

    [Fact]
    public void TwoRanksOverSharedMemoryMatchOneRankOnTheSameGlobalBatch()
    {
        WorkerRun two = MpiWorkerProcess.UnderMpirun(2, "all");
        AssertSameTraining(_alone, two, "cnn", "lstm", "forecast");
    }

    [Fact]
    public void TwoRanksOverTcpMatchOneRank()
    {
        WorkerRun two = MpiWorkerProcess.UnderMpirun(2, "cnn", "--mca", "btl", "tcp,self");
        AssertSameTraining(_alone, two, "cnn");
    }

    [Fact]
    public void ARankFailingMidTrainingEndsEveryRank()
    {
        // Rank 0's progress callback throws after epoch 1 while rank 1 goes on to epoch 2's first allreduce.
        WorkerRun failed = MpiWorkerProcess.UnderMpirun(2, "fail");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("Rank 0 of 2: training failed, ending every rank", failed.Output);
        Assert.Contains("injected failure after epoch 1", failed.Output);
        Assert.Empty(failed.Scores);
    }

    [Fact]
    public void ARankThatStopsRespondingEndsTheJobAfterTheTimeout()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WorkerRun failed = MpiWorkerProcess.UnderMpirunWithTimeout(2, "stall", timeoutSeconds: 5);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("Rank 0 of 2: MPI_Allreduce has waited", failed.Output);
        Assert.Contains("another rank has failed or hangs", failed.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"The stalled job took {clock.Elapsed.TotalSeconds:F0} s to end.");
    }

    [Fact]
    public void RanksDisagreeingOnTheDataStopBeforeTheFirstStep()
    {
        WorkerRun failed = MpiWorkerProcess.UnderMpirun(2, "disagree");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("The 2 ranks disagree on the training rows (from 600 to 641", failed.Output);
        Assert.Empty(failed.Epochs);
    }

    /// <summary>Every rank of <paramref name="distributed"/> has the one-rank loss curves and accuracy, and the ranks' models are bit-identical.</summary>
    internal static void AssertSameTraining(WorkerRun alone, WorkerRun distributed, params string[] models)
    {
        Assert.True(alone.ExitCode == 0, $"The one-rank run failed ({alone.ExitCode}):\n{alone.Output}");
        Assert.True(distributed.ExitCode == 0, $"The two-rank run failed ({distributed.ExitCode}):\n{distributed.Output}");
        foreach (string model in models)
        {
            IReadOnlyList<WorkerEpoch> reference = alone.Curve(0, model);
            Assert.True(reference.Count >= 2, $"The one-rank run printed {reference.Count} epochs of {model}:\n{alone.Output}");
            Assert.All(reference, e => Assert.Equal(1, e.Size));
            for (int rank = 0; rank < 2; rank++)
            {
                IReadOnlyList<WorkerEpoch> curve = distributed.Curve(rank, model);
                Assert.True(curve.Count == reference.Count, $"Rank {rank} printed {curve.Count} epochs of {model}, expected {reference.Count}:\n{distributed.Output}");
                for (int i = 0; i < curve.Count; i++)
                {
                    Assert.Equal(2, curve[i].Size);
                    AssertClose(reference[i].TrainLoss, curve[i].TrainLoss, $"{model} train loss, epoch {i + 1}, rank {rank}");
                    AssertClose(reference[i].ValidationLoss, curve[i].ValidationLoss, $"{model} validation loss, epoch {i + 1}, rank {rank}");
                    if (model == "forecast")
                        AssertClose(reference[i].Metric, curve[i].Metric, $"{model} validation RMSE, epoch {i + 1}, rank {rank}");
                    else
                        Assert.True(Math.Abs(reference[i].Metric - curve[i].Metric) <= AccuracyTolerance,
                            $"{model} accuracy, epoch {i + 1}, rank {rank}: {curve[i].Metric} against {reference[i].Metric} alone.");
                }
            }
            Assert.Equal(distributed.Scores[(0, model)], distributed.Scores[(1, model)]);
        }
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= RelativeTolerance * Math.Abs(expected),
            $"{what}: {actual:R} against {expected:R} alone (relative difference {Math.Abs(expected - actual) / Math.Abs(expected):E2}).");
}
