using System.Diagnostics;
using MLNet.Extensions.Experiments.Tests.Support;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Experiments.Tests;

/// <summary>The Trainers API successive halving builds on: a fit that continues, and cancellation within one batch.</summary>
public class NetworkTrainingSessionTests
{
    private static (IDataView Train, IDataView Test) Data(MLContext mlContext)
    {
        var key = Digits.Featurizer(mlContext).Fit(Digits.View(mlContext, 0, 200));
        return (key.Transform(Digits.View(mlContext, 0, 200)), key.Transform(Digits.View(mlContext, 5000, 100)));
    }

    private static float[][] Scores(ITransformer model, IDataView data) =>
        data.Schema.Count == 0 ? [] : model.Transform(data).GetColumn<float[]>("Score").ToArray();

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void TwoThenThreeEpochsEqualFiveUninterrupted(OptimizerKind optimizer)
    {
        var mlContext = new MLContext(seed: 1);
        var (train, test) = Data(mlContext);
        CnnOptions options = Digits.TinyCnn(epochs: 5) with { Optimizer = optimizer, RandomShiftPixels = 1 };

        var resumed = mlContext.MulticlassClassification.Trainers.Cnn(options).StartSession(train);
        var afterTwo = resumed.Train(2);
        var afterFive = resumed.Train(3);
        var uninterrupted = mlContext.MulticlassClassification.Trainers.Cnn(options).Fit(train);

        Assert.Equal(5, resumed.EpochsCompleted);
        Assert.Equal(5, resumed.History.Count);
        float[][] expected = Scores(uninterrupted, test);
        float[][] actual = Scores(afterFive, test);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i]);
        // The model returned after two epochs is a snapshot: three more epochs changed the session, not it.
        Assert.NotEqual(Scores(afterTwo, test)[0], actual[0]);
        var twoOnly = mlContext.MulticlassClassification.Trainers.Cnn(options with { Epochs = 2 }).Fit(train);
        Assert.Equal(Scores(twoOnly, test)[0], Scores(afterTwo, test)[0]);
    }

    [Fact]
    public void CancelledFitStopsWithinOneBatchAndTheSessionRefusesToContinue()
    {
        var mlContext = new MLContext(seed: 1);
        var (train, _) = Data(mlContext);
        var session = mlContext.MulticlassClassification.Trainers.Cnn(Digits.TinyCnn(epochs: 1) with { BatchSize = 8 }).StartSession(train);
        var clock = Stopwatch.StartNew();
        session.Train(1);
        double secondsPerBatch = clock.Elapsed.TotalSeconds / 25;

        using var cancel = new CancellationTokenSource();
        var lateSession = mlContext.MulticlassClassification.Trainers.Cnn(Digits.TinyCnn(epochs: 1) with { BatchSize = 8 }).StartSession(train);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        clock.Restart();
        var error = Record.Exception(() => lateSession.Train(100_000, cancel.Token));
        double overshoot = clock.Elapsed.TotalSeconds - 0.3;
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        // Uncancelled, this would run 100,000 epochs. One batch of 8 takes secondsPerBatch; allow two of them plus 1 s of
        // scheduling noise (the machine these tests run on is shared, with load averages far above its core count).
        Assert.True(overshoot < 2 * secondsPerBatch + 1.0, $"stopped {overshoot:F3} s after the cancel; a batch takes {secondsPerBatch:F4} s");
        Assert.Throws<InvalidOperationException>(() => lateSession.Train(1));
    }

    [Fact]
    public void OptionsTokenCancelsAnOrdinaryFit()
    {
        var mlContext = new MLContext(seed: 1);
        var (train, _) = Data(mlContext);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var trainer = mlContext.MulticlassClassification.Trainers.Cnn(Digits.TinyCnn(epochs: 3) with { CancellationToken = cancel.Token });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(train));
    }
}
