using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Cnn;

/// <summary>Bad options and bad data fail early with messages that name what is wrong.</summary>
public class CnnBadInputTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [Theory]
    [InlineData("Epochs")]
    [InlineData("BatchSize")]
    [InlineData("LearningRate")]
    [InlineData("ValidationFraction")]
    [InlineData("Conv2d.KernelSize")]
    [InlineData("ImageChannels")]
    public void InvalidOptionsFailAtConstructionNamingTheOption(string option)
    {
        CnnOptions options = option switch
        {
            "Epochs" => new CnnOptions { Epochs = 0 },
            "BatchSize" => new CnnOptions { BatchSize = -1 },
            "LearningRate" => new CnnOptions { LearningRate = float.NaN },
            "ValidationFraction" => new CnnOptions { ValidationFraction = 1.5f },
            "Conv2d.KernelSize" => new CnnOptions { Layers = new LayerStack(new Conv2dSpec(4, 9)) },
            _ => new CnnOptions { ImageChannels = 1 },
        };
        var e = Assert.ThrowsAny<ArgumentException>(() => _mlContext.MulticlassClassification.Trainers.Cnn(options));
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void FlatFeaturesWithoutAShapeAskForOne()
    {
        var schema = SchemaDefinition.Create(typeof(DigitRow));
        schema[nameof(DigitRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 784); // no image dimensions
        IDataView data = _mlContext.Data.LoadFromEnumerable(Digits.Rows(0, 20), schema);
        var pipeline = _mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(_mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(1)));
        var e = Assert.ThrowsAny<Exception>(() => pipeline.Fit(data));
        Assert.Contains("'Pixels'", Innermost(e).Message);
        Assert.Contains("ImageChannels", Innermost(e).Message);
    }

    [Fact]
    public void NaNInFeaturesNamesColumnAndRow()
    {
        DigitRow[] rows = Digits.Rows(0, 40);
        rows[17].Pixels = (float[])rows[17].Pixels.Clone();
        rows[17].Pixels[100] = float.NaN;
        IDataView data = _mlContext.Data.LoadFromEnumerable(rows, Digits.ImageSchema());
        var pipeline = _mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(_mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(1) with { Seed = 3 }));
        var e = Assert.ThrowsAny<Exception>(() => pipeline.Fit(data));
        Assert.Contains("'Pixels'", Innermost(e).Message);
        Assert.Contains("non-finite", Innermost(e).Message);
    }

    [Fact]
    public void ShapeThatDoesNotMatchTheVectorIsRejected()
    {
        IDataView data = Digits.ImageView(_mlContext, 0, 20);
        var options = CnnTestNetworks.Options(1) with { ImageChannels = 1, ImageHeight = 20, ImageWidth = 20 };
        var pipeline = _mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(_mlContext.MulticlassClassification.Trainers.Cnn(options));
        var e = Assert.ThrowsAny<Exception>(() => pipeline.Fit(data));
        Assert.Contains("784", Innermost(e).Message);
    }

    [Fact]
    public void LabelThatIsNotAKeyIsRejected()
    {
        IDataView data = Digits.ImageView(_mlContext, 0, 20);
        var trainer = _mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(1) with { LabelColumnName = nameof(DigitRow.Ink) });
        var e = Assert.ThrowsAny<Exception>(() => trainer.Fit(data));
        Assert.Contains(nameof(DigitRow.Ink), Innermost(e).Message);
    }

    [Fact]
    public void EmptyDataIsRejected()
    {
        IDataView data = _mlContext.Data.LoadFromEnumerable(Array.Empty<DigitRow>(), Digits.ImageSchema());
        var pipeline = _mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(_mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(1)));
        var e = Assert.ThrowsAny<Exception>(() => pipeline.Fit(data));
        Assert.Matches("no rows|empty", AllMessages(e));
    }

    [Fact]
    public void NetworkThatShrinksTheImageToNothingIsRejected()
    {
        IDataView data = Digits.ImageView(_mlContext, 0, 20);
        var layers = new LayerStack(new PoolingSpec(PoolingKind.Max, 7, 7), new PoolingSpec(PoolingKind.Max, 7, 7));
        var pipeline = _mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(_mlContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(1) with { Layers = layers }));
        var e = Assert.ThrowsAny<Exception>(() => pipeline.Fit(data));
        Assert.Contains("Layer 1", AllMessages(e));
    }

    private static string AllMessages(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + AllMessages(e.InnerException);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
