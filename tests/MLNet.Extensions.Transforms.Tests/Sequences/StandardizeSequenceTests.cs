using Microsoft.ML;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Transforms.Tests.Sequences;

public class StandardizeSequenceTests
{
    public sealed class Row
    {
        [VectorType(6)]
        public float[] Values { get; set; } = [];
    }

    public sealed class VariableRow
    {
        public float[] Values { get; set; } = [];
    }

    private static Row[] Rows() =>
    [
        new() { Values = [1, 10, 3, 30, 5, 50] },
        new() { Values = [7, 70, 9, 90, 11, 110] },
    ];

    [Fact]
    public void LearnsPerFeatureStatisticsAcrossStepsAndRows()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = mlContext.Data.LoadFromEnumerable(Rows());
        var model = mlContext.Transforms.StandardizeSequence("Standardized", "Values", featuresPerStep: 2).Fit(data);
        Assert.Equal(6f, model.Mean[0], 5);
        Assert.Equal(60f, model.Mean[1], 5);
        double std0 = Math.Sqrt(new[] { 1, 3, 5, 7, 9, 11 }.Select(v => (v - 6.0) * (v - 6.0)).Average());
        Assert.Equal(1 / std0, model.Scale[0], 5);
        float[][] output = model.Transform(data).GetColumn<float[]>("Standardized").ToArray();
        Assert.Equal((float)((1 - 6) / std0), output[0][0], 5);
        Assert.Equal((float)((110 - 60) / (10 * std0)), output[1][5], 4);
    }

    [Fact]
    public void TrailingValuesAreLeftOutOfTheStatisticsAndPassThroughAfterSaveAndLoad()
    {
        // Two steps of two features, then two per-sequence values (1000s) that must neither move the statistics nor change.
        var mlContext = new MLContext(seed: 1);
        IDataView data = mlContext.Data.LoadFromEnumerable(new[]
        {
            new Row { Values = [1, 10, 3, 30, 1000, -1000] },
            new Row { Values = [5, 50, 7, 70, 2000, -2000] },
        });
        var model = mlContext.Transforms.StandardizeSequence("Standardized", "Values", featuresPerStep: 2, trailingValues: 2).Fit(data);
        Assert.Equal(2, model.TrailingValues);
        Assert.Equal(4f, model.Mean[0], 5);
        Assert.Equal(40f, model.Mean[1], 5);
        Assert.Equal(1 / Math.Sqrt(5), model.Scale[0], 5);

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = mlContext.Model.Load(stream, out _);
        foreach (ITransformer transformer in new[] { model, loaded })
        {
            float[][] output = transformer.Transform(data).GetColumn<float[]>("Standardized").ToArray();
            Assert.Equal((float)(-3 / Math.Sqrt(5)), output[0][0], 5);
            Assert.Equal([1000f, -1000f], output[0][4..]);
            Assert.Equal([2000f, -2000f], output[1][4..]);
        }

        // Six values are not two-feature steps plus three trailing values.
        Assert.ThrowsAny<ArgumentException>(() =>
            mlContext.Transforms.StandardizeSequence("Standardized", "Values", featuresPerStep: 2, trailingValues: 3).Fit(data));
        Assert.Throws<ArgumentOutOfRangeException>(() => mlContext.Transforms.StandardizeSequence("Values", trailingValues: -1));
    }

    [Fact]
    public void ConstantFeaturesAreOnlyCentredAndVariableLengthWorks()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = mlContext.Data.LoadFromEnumerable(new[]
        {
            new VariableRow { Values = [2, 5, 4, 5] },
            new VariableRow { Values = [6, 5] },
        });
        var model = mlContext.Transforms.StandardizeSequence("Values", featuresPerStep: 2).Fit(data);
        Assert.Equal(1f, model.Scale[1]);
        float[][] output = model.Transform(data).GetColumn<float[]>("Values").ToArray();
        Assert.Equal(2, output[1].Length);
        Assert.Equal(0f, output[1][1]);
    }

    [Fact]
    public void SavesAndLoadsBitIdentically()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = mlContext.Data.LoadFromEnumerable(Rows());
        ITransformer model = mlContext.Transforms.StandardizeSequence("Standardized", "Values", 2).Fit(data);
        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        Assert.Equal(LoadProbe.ScoreHere(model.Transform(data), "Standardized"), LoadProbe.ScoreHere(loaded.Transform(data), "Standardized"));
    }

    [Fact]
    public void BadInputNamesTheColumn()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = mlContext.Data.LoadFromEnumerable(Rows());
        var e = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.StandardizeSequence("S", "Values", 4).Fit(data));
        Assert.Contains("'Values'", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.StandardizeSequence("S", "Missing", 2).Fit(data));
        Assert.Contains("'Missing'", e.Message);
        Row[] rows = Rows();
        rows[1].Values[3] = float.NaN;
        var nan = Assert.Throws<InvalidOperationException>(() => mlContext.Transforms.StandardizeSequence("S", "Values", 2).Fit(mlContext.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 1", nan.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => mlContext.Transforms.StandardizeSequence("S", "Values", 0));
    }
}
