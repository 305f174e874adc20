using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Tests.Lstm;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>Regression on standardised targets: statistics from Fit, saved with the model, undone at scoring, losses in label units.</summary>
public class TargetScalingTests
{
    /// <summary>The sequence-mean task with its target moved to mean about 5000 and deviation about 1100, far from unit scale.</summary>
    private static SequenceRow[] FarFromUnitScale(int count, ulong seed) =>
        [.. Sequences.Make(count, 5, 5, seed).Select(r => new SequenceRow { Values = r.Values, Target = 5000 + 2000 * r.Target })];

    private static IDataView View(MLContext mlContext, SequenceRow[] rows)
    {
        var schema = SchemaDefinition.Create(typeof(SequenceRow));
        schema[nameof(SequenceRow.Values)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Values.Length);
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    private static LstmOptions Options(bool standardize) => new()
    {
        FeatureColumnName = nameof(SequenceRow.Values),
        LabelColumnName = nameof(SequenceRow.Target),
        FeaturesPerStep = 2,
        HiddenSize = 16,
        Epochs = 6,
        BatchSize = 16,
        LearningRate = 5e-3f,
        Seed = 3,
        RestoreBestWeights = false,
        StandardizeTargets = standardize,
    };

    [Fact]
    public void LearnsStandardisedTargetsAndScoresInTheLabelsUnits()
    {
        var mlContext = new MLContext(seed: 1);
        SequenceRow[] trainRows = FarFromUnitScale(600, 11);
        SequenceRow[] testRows = FarFromUnitScale(200, 12);
        IDataView test = View(mlContext, testRows);
        var model = mlContext.Regression.Trainers.Lstm(Options(standardize: true)).Fit(View(mlContext, trainRows), test);

        double mean = trainRows.Average(r => (double)r.Target);
        double sd = Math.Sqrt(trainRows.Average(r => ((double)r.Target - mean) * (r.Target - mean)));
        var (fittedMean, fittedScale) = model.Model.TargetStandardization!.Value;
        Assert.Equal(mean, fittedMean[0], mean * 1e-6);
        Assert.Equal(sd, fittedScale[0], sd * 1e-5);

        float[] scores = model.Transform(test).GetColumn<float>("Score").ToArray();
        double mse = testRows.Select((r, i) => ((double)scores[i] - r.Target) * (scores[i] - r.Target)).Average();
        var metrics = mlContext.Regression.Evaluate(model.Transform(test), labelColumnName: nameof(SequenceRow.Target));
        // Measured 0.989 (seed 3); margin 0.04.
        Assert.True(metrics.RSquared > 0.95, $"R^2 {metrics.RSquared:F3}");

        // Progress is in the label's units: the last validation loss is the scores' mean squared error, its RMSE the root.
        TrainingProgress last = model.Model.TrainingHistory[^1];
        Assert.Equal(mse, last.ValidationLoss!.Value, mse * 1e-4);
        Assert.Equal(Math.Sqrt(mse), last.ValidationMetric!.Value, Math.Sqrt(mse) * 1e-4);
        // The first epoch starts near the label's variance (about 1.2e6), which a loss in standardised units (about 1) is not.
        Assert.True(model.Model.TrainingHistory[0].TrainLoss > 0.05 * sd * sd, $"first train loss {model.Model.TrainingHistory[0].TrainLoss:G4}");

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, test.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = mlContext.Model.Load(stream, out _);
        Assert.Equal(scores, loaded.Transform(test).GetColumn<float>("Score").ToArray());
    }

    [Theory]
    [InlineData(0L)] // streamed: ML.NET's TrainTestSplit, then a pass over the training part
    [InlineData(1L << 30)] // held in memory: a seeded split of the kept rows
    public void TargetMomentsComeFromTheTrainingRowsOnlyWhenValidationIsSplitOff(long inMemoryLimit)
    {
        // One outlier among 200 small targets: the moments of all rows have mean ~500, those of any training part without
        // it a mean near the small targets', and with it at least 1e5 / 180 ~ 555; moments over all rows would give ~500
        // (with ValidationFraction 0 this test fails so: "fitted target mean 500.006; the mean over all rows is 500.006").
        var mlContext = new MLContext(seed: 1);
        SequenceRow[] rows = Sequences.Make(200, 5, 5, 21);
        rows[17].Target = 1e5f;
        double allMean = rows.Average(r => (double)r.Target);
        var model = mlContext.Regression.Trainers.Lstm(Options(standardize: true) with
        {
            Epochs = 1,
            ValidationFraction = 0.25f,
            InMemoryDataLimitBytes = inMemoryLimit,
        }).Fit(View(mlContext, rows));

        double fittedMean = model.Model.TargetStandardization!.Value.Mean[0];
        double smallMax = rows.Where((_, i) => i != 17).Max(r => (double)r.Target);
        bool withoutOutlier = fittedMean <= smallMax, withOutlier = fittedMean >= 1e5 / 180;
        Assert.True(withoutOutlier || withOutlier, $"fitted target mean {fittedMean:G6}; the mean over all rows is {allMean:G6}");
        Assert.True(Math.Abs(fittedMean - allMean) > 40, $"fitted target mean {fittedMean:G6} is that of all rows ({allMean:G6})");
    }

    [Fact]
    public void ATrainingSessionKeepsTheScalingOfItsFit()
    {
        // Two session epochs equal one two-epoch Fit, scores included, so the session's models undo the same scaling.
        var mlContext = new MLContext(seed: 1);
        IDataView train = View(mlContext, FarFromUnitScale(96, 11));
        LstmOptions options = Options(standardize: true) with { Epochs = 2 };
        float[] fitted = mlContext.Regression.Trainers.Lstm(options).Fit(train).Transform(train).GetColumn<float>("Score").ToArray();
        var session = mlContext.Regression.Trainers.Lstm(options).StartSession(train);
        session.Train(1);
        var resumed = session.Train(1);
        Assert.NotNull(resumed.Model.TargetStandardization);
        Assert.Equal(fitted, resumed.Transform(train).GetColumn<float>("Score").ToArray());
        Assert.True(fitted.Average() > 1000, $"mean score {fitted.Average():F1}"); // In the label's units (mean about 5000).
    }

    [Fact]
    public void RawTargetsLearnWorseInTheSameEpochs()
    {
        // The reason for the default: the same network, epochs and rate on raw targets far from unit scale falls far behind.
        var mlContext = new MLContext(seed: 1);
        IDataView train = View(mlContext, FarFromUnitScale(600, 11));
        IDataView test = View(mlContext, FarFromUnitScale(200, 12));
        var raw = mlContext.Regression.Trainers.Lstm(Options(standardize: false)).Fit(train);
        Assert.Null(raw.Model.TargetStandardization);
        double rawR2 = mlContext.Regression.Evaluate(raw.Transform(test), labelColumnName: nameof(SequenceRow.Target)).RSquared;
        var scaled = mlContext.Regression.Trainers.Lstm(Options(standardize: true)).Fit(train);
        double scaledR2 = mlContext.Regression.Evaluate(scaled.Transform(test), labelColumnName: nameof(SequenceRow.Target)).RSquared;
        // Measured: standardised 0.989, raw -79 (the raw outputs have not even reached the label's mean in 6 epochs).
        Assert.True(scaledR2 > 0.95 && rawR2 < 0, $"R^2 standardised {scaledR2:F3}, raw {rawR2:F3}");
    }

    [Fact]
    public void MomentsGiveMeanAndDeviationPerComponentAndRestoreUndoesStandardize()
    {
        var moments = new TargetMoments(2);
        var batch = new TrainingBatch(4, 1, 2) { Count = 4 };
        float[] targets = [1, 7, 3, 7, 5, 7, 7, 7];
        targets.CopyTo(batch.Targets, 0);
        moments.Add(batch);
        TargetScaling scaling = moments.ToScaling();
        Assert.Equal([4f, 7f], scaling.Mean);
        Assert.Equal(MathF.Sqrt(5f), scaling.Scale[0], 5);
        Assert.Equal(1f, scaling.Scale[1]); // A constant component keeps scale 1 instead of dividing by zero.

        float[] values = (float[])targets.Clone();
        scaling.Standardize(values);
        Assert.Equal(-3f / MathF.Sqrt(5f), values[0], 5);
        Assert.Equal(0f, values[1]);
        scaling.Restore(values);
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(targets[i], values[i], 5);
    }

    [Fact]
    public void DamagedScalingIsRejectedOnRead()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            new TargetScaling([1f], [2f]).Write(writer);
        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => TargetScaling.Read(new BinaryReader(stream), outputs: 2));
        Assert.Throws<ArgumentException>(() => new TargetScaling([1f], [0f]));
    }
}
