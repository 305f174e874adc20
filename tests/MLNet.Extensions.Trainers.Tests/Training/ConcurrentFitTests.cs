using Microsoft.ML;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>
/// A Fit owns its kernel thread count: two Fits at once on two threads, with different thread counts and seeds, give
/// bit for bit the models each gives alone, and the process default is never written.
/// </summary>
public class ConcurrentFitTests
{
    private sealed record Run(int Threads, int Seed);

    private sealed record Result(string[] Scores, double[] TrainLosses);

    private static readonly Run[] Runs = [new(1, 3), new(2, 11)];

    [Fact]
    public void TwoFitsAtOnceEachGiveTheModelTheyGiveAlone()
    {
        int processDefault = KernelSettings.ThreadCount;
        Result[] alone = Runs.Select(run => FitAndScore(run)).ToArray();

        // Both Fits wait for each other after their first epoch, so the second epochs surely run at the same time.
        var together = new Result[Runs.Length];
        var met = new bool[Runs.Length];
        using var firstEpochDone = new Barrier(Runs.Length);
        Thread[] threads = Runs.Select((run, i) => new Thread(() => together[i] = FitAndScore(run, progress =>
        {
            if (progress.Epoch == 1)
                met[i] = firstEpochDone.SignalAndWait(TimeSpan.FromMinutes(2));
        }))).ToArray();
        foreach (Thread thread in threads)
            thread.Start();
        foreach (Thread thread in threads)
            thread.Join();

        Assert.All(met, Assert.True);
        for (int i = 0; i < Runs.Length; i++)
        {
            Assert.Equal(alone[i].TrainLosses, together[i].TrainLosses);
            Assert.Equal(alone[i].Scores, together[i].Scores);
        }
        // Different seeds and thread counts must give different models, or the comparison above could not tell them apart.
        Assert.NotEqual(alone[0].Scores, alone[1].Scores);
        Assert.Equal(processDefault, KernelSettings.ThreadCount);
    }

    private static Result FitAndScore(Run run, Action<TrainingProgress>? progress = null)
    {
        var mlContext = new MLContext(seed: run.Seed);
        IDataView train = Digits.ImageView(mlContext, 0, 256);
        IDataView test = Digits.ImageView(mlContext, 9000, 24);
        var options = CnnTestNetworks.Options(epochs: 2) with { ThreadCount = run.Threads, Seed = run.Seed };
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(options, progress))
            .Fit(train);
        string[] scores = LoadProbe.ScoreHere(model.Transform(test), "Score");
        double[] losses = model.LastTransformer.Model.TrainingHistory.Select(p => p.TrainLoss).ToArray();
        return new Result(scores, losses);
    }
}
