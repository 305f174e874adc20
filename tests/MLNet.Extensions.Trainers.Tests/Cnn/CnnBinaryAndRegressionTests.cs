using Microsoft.ML;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Cnn;

/// <summary>The binary and regression CNN trainers with ML.NET's evaluators and cross-validation.</summary>
public class CnnBinaryAndRegressionTests
{
    [Fact]
    public void BinaryClassifierSeparatesZerosFromOtherDigits()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = Digits.ImageView(mlContext, 0, 800);
        IDataView test = Digits.ImageView(mlContext, 9000, 300);
        var trainer = mlContext.BinaryClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 2) with { LabelColumnName = nameof(DigitRow.IsZero) });
        var model = trainer.Fit(train);
        IDataView scored = model.Transform(test);
        var metrics = mlContext.BinaryClassification.Evaluate(scored, labelColumnName: nameof(DigitRow.IsZero));
        Assert.True(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy:F3}");
        Assert.True(metrics.AreaUnderRocCurve > 0.97, $"AUC {metrics.AreaUnderRocCurve:F3}");
        float[] probabilities = scored.GetColumn<float>("Probability").ToArray();
        float[] scores = scored.GetColumn<float>("Score").ToArray();
        for (int i = 0; i < scores.Length; i++)
            Assert.Equal(1f / (1f + MathF.Exp(-scores[i])), probabilities[i], 5);
    }

    [Fact]
    public void RegressorPredictsMeanInk()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = Digits.ImageView(mlContext, 0, 800);
        IDataView test = Digits.ImageView(mlContext, 9000, 300);
        var trainer = mlContext.Regression.Trainers.Cnn(CnnTestNetworks.Options(epochs: 4) with { LabelColumnName = nameof(DigitRow.Ink), BatchSize = 16 });
        var metrics = mlContext.Regression.Evaluate(trainer.Fit(train).Transform(test), labelColumnName: nameof(DigitRow.Ink));
        // Mean ink varies with a standard deviation of about 0.04 across digits; a useful model must beat that clearly.
        Assert.True(metrics.RootMeanSquaredError < 0.02, $"RMSE {metrics.RootMeanSquaredError:F4}");
    }

    [Fact]
    public void CrossValidatesWithMLNetsHelper()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = Digits.ImageView(mlContext, 0, 800);
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 2)));
        var folds = mlContext.MulticlassClassification.CrossValidate(data, pipeline, numberOfFolds: 2);
        Assert.Equal(2, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.MicroAccuracy > 0.35, $"fold accuracy {f.Metrics.MicroAccuracy:F3}"));
    }

    [Fact]
    public void ValidationFractionDrivesEarlyStoppingAndRestoresTheBestWeights()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = Digits.ImageView(mlContext, 0, 600);
        var options = CnnTestNetworks.Options(epochs: 4) with
        {
            ValidationFraction = 0.25f,
            EarlyStoppingPatience = 1,
            LearningRate = 0.05f, // deliberately too high, so validation loss stalls and early stopping triggers
        };
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(options));
        var history = pipeline.Fit(data).LastTransformer.Model.TrainingHistory;
        Assert.All(history, p => Assert.NotNull(p.ValidationLoss));
        Assert.All(history, p => Assert.Equal("accuracy", p.MetricName));
        Assert.True(history.Count <= 4);
    }
}
