using Microsoft.ML;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Tests.Lstm;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>Reduce-on-plateau, the early-stopping minimum improvement, the stop reason and the typed history API.</summary>
public class TrainingControlTests
{
    // With a minimum improvement no real loss can reach, only the first epoch improves (on infinity); the rest plateau.
    private const float Unreachable = 1e6f;

    /// <summary>Patience 1, cooldown 2, factor 0.5 from 0.01 with floor 0.002, every epoch after the first on a plateau (worked by hand from Keras' rules).</summary>
    private static readonly double[] s_plateauRates = [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.002, 0.002];

    private static LstmOptions PlateauOptions() => TinySequences.Options(s_plateauRates.Length) with
    {
        Schedule = LearningRateSchedule.ReduceOnPlateau,
        PlateauPatience = 1,
        PlateauCooldown = 2,
        PlateauFactor = 0.5f,
        PlateauMinDelta = Unreachable,
        MinLearningRate = 0.002f,
    };

    [Fact]
    public void PlateauScheduleFollowsKerasRules()
    {
        var schedule = new PlateauSchedule(PlateauOptions());
        var rates = new List<double>();
        foreach (double loss in new double[] { 1, 1, 1, 1, 1, 1, 1, 1 })
        {
            rates.Add(schedule.Rate);
            schedule.Observe(loss);
        }
        Assert.Equal(s_plateauRates, rates, (a, b) => Math.Abs(a - b) < 1e-9);

        // A real improvement resets the wait: patience 2 reduces only after two epochs without one.
        var patient = new PlateauSchedule(PlateauOptions() with { PlateauPatience = 2, PlateauCooldown = 0, PlateauMinDelta = 0.1f });
        Assert.False(patient.Observe(1.0));  // best 1.0
        Assert.False(patient.Observe(0.95)); // not better by 0.1: wait 1
        Assert.False(patient.Observe(0.8));  // better: best 0.8, wait 0
        Assert.False(patient.Observe(0.8));  // wait 1
        Assert.True(patient.Observe(0.75));  // wait 2: reduce
        Assert.Equal(0.005f, patient.Rate, 6);
    }

    [Fact]
    public void ReduceOnPlateauLowersTheRateDuringFit()
    {
        var mlContext = new MLContext(seed: 1);
        var model = mlContext.Regression.Trainers.Lstm(PlateauOptions()).Fit(TinySequences.View(mlContext, 64, 1));
        Assert.Equal(s_plateauRates, model.GetTrainingHistory().Select(p => p.LearningRate), (a, b) => Math.Abs(a - b) < 1e-7);
    }

    [Fact]
    public void EarlyStoppingMinDeltaStopsAndRestoresTheLastRealImprovement()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView validation = TinySequences.View(mlContext, 48, 2);
        LstmOptions options = TinySequences.Options(20) with { EarlyStoppingPatience = 2, EarlyStoppingMinDelta = Unreachable };
        var model = mlContext.Regression.Trainers.Lstm(options).Fit(TinySequences.View(mlContext, 96, 1), validation);
        IReadOnlyList<TrainingProgress> history = model.GetTrainingHistory();

        Assert.Equal(3, history.Count);
        Assert.All(history.Take(2), p => Assert.Null(p.StopReason));
        Assert.Contains("early stopping", history[^1].StopReason);
        Assert.Contains("by more than", history[^1].StopReason);
        Assert.Contains("at epoch 1", history[^1].StopReason);
        // The weights kept are epoch 1's: scoring the validation rows gives the loss that epoch reported.
        float[] scores = model.Transform(validation).GetColumn<float>("Score").ToArray();
        float[] labels = validation.GetColumn<float>(nameof(SequenceRow.Target)).ToArray();
        double mse = scores.Select((s, i) => ((double)s - labels[i]) * (s - labels[i])).Average();
        Assert.Equal(history[0].ValidationLoss!.Value, mse, mse * 1e-4);

        // Without the minimum improvement the same run keeps improving past epoch 3.
        var plain = mlContext.Regression.Trainers.Lstm(options with { EarlyStoppingMinDelta = 0 }).Fit(TinySequences.View(mlContext, 96, 1), validation);
        Assert.True(plain.GetTrainingHistory().Count > 3, $"stopped after {plain.GetTrainingHistory().Count} epochs");
    }

    [Fact]
    public void HistoryIsReachableFromAFittedAndAReloadedPipeline()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = TinySequences.View(mlContext, 64, 1);
        var pipeline = mlContext.Transforms.CopyColumns("Features", nameof(SequenceRow.Values))
            .Append(mlContext.Regression.Trainers.Lstm(TinySequences.Options(2) with { FeatureColumnName = "Features" }));
        var model = pipeline.Fit(data);

        IReadOnlyList<TrainingProgress> history = model.GetTrainingHistory();
        Assert.Same(model.LastTransformer.Model.TrainingHistory, history);
        Assert.Equal(2, history.Count);
        Assert.Equal(model.LastTransformer.Model.ParameterCount, model.GetNetworkModel().ParameterCount);

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = mlContext.Model.Load(stream, out _);
        Assert.Equal(history.Select(p => p.TrainLoss), loaded.GetTrainingHistory().Select(p => p.TrainLoss));

        ITransformer noNetwork = mlContext.Transforms.CopyColumns("Copy", nameof(SequenceRow.Target)).Fit(data);
        var e = Assert.Throws<ArgumentException>(() => noNetwork.GetTrainingHistory());
        Assert.Contains("no network", e.Message);
    }
}
