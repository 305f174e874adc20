using Microsoft.ML;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Featurization;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Featurization;

/// <summary>A trained CNN as a featurizer for another ML.NET trainer, saved and loaded with the pipeline.</summary>
public class NetworkFeaturizerTests
{
    [Fact]
    public void PenultimateLayerFeedsAnotherTrainerAndRoundTrips()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = Digits.ImageView(mlContext, 0, 800);
        IDataView test = Digits.ImageView(mlContext, 9000, 200);
        var cnn = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 2)))
            .Fit(train);
        var network = cnn.LastTransformer.Model;

        var pipeline = mlContext.Transforms.FeaturizeByNetwork(network, "Learned", "Pixels")
            .Append(mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit)))
            .Append(mlContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Learned"));
        var model = pipeline.Fit(train);
        IDataView scored = model.Transform(test);
        Assert.Equal(32, ((VectorDataViewType)scored.Schema["Learned"].Type).Size);
        Assert.Equal(network.Featurize(Digits.All[9000].Pixels), scored.GetColumn<float[]>("Learned").First());
        var metrics = mlContext.MulticlassClassification.Evaluate(scored);
        Assert.True(metrics.MicroAccuracy > 0.8, $"accuracy {metrics.MicroAccuracy:F3}");

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        Assert.Equal(scored.GetColumn<float[]>("Learned").ToArray(), loaded.Transform(test).GetColumn<float[]>("Learned").ToArray());
    }

    [Fact]
    public void AColumnOfTheWrongSizeIsRejected()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = Digits.ImageView(mlContext, 0, 100);
        var network = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 1)))
            .Fit(train).LastTransformer.Model;
        IDataView other = mlContext.Data.LoadFromEnumerable(new[] { new { Values = new float[10] } }.Select(r => new Short { Values = r.Values }));
        var e = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.FeaturizeByNetwork(network, "F", "Values").Fit(other));
        Assert.Contains("'Values'", e.Message);
    }

    public sealed class Short
    {
        [VectorType(10)]
        public float[] Values { get; set; } = [];
    }
}
