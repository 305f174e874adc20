using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Lstm;

/// <summary>The LSTM sequence trainers: classification, regression, variable lengths with masking, stacking, bidirectional, save/load.</summary>
public class LstmTrainerTests
{
    private static LstmOptions Options(int epochs, bool variable = true) => new()
    {
        FeatureColumnName = nameof(SequenceRow.Values),
        LabelColumnName = "Label",
        FeaturesPerStep = 2,
        VariableLength = variable,
        HiddenSize = 16,
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 1e-2f,
        Seed = 3,
    };

    private static IDataView View(MLContext mlContext, SequenceRow[] rows, bool variable = true)
    {
        var schema = SchemaDefinition.Create(typeof(SequenceRow));
        if (!variable)
            schema[nameof(SequenceRow.Values)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Values.Length);
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void ClassifiesPulsePositionsInVariableLengthSequences(int layers, bool bidirectional)
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = View(mlContext, Sequences.Make(600, 4, 10, 1));
        IDataView test = View(mlContext, Sequences.Make(200, 4, 10, 2));
        var options = Options(epochs: 8) with { LayerCount = layers, Bidirectional = bidirectional, Dropout = layers > 1 ? 0.1f : 0f };
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SequenceRow.Class))
            .Append(mlContext.MulticlassClassification.Trainers.Lstm(options));
        var model = pipeline.Fit(train);
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy:F3} with {layers} layers, bidirectional {bidirectional}");

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        Assert.Equal(model.Transform(test).GetColumn<float[]>("Score").ToArray(), loaded.Transform(test).GetColumn<float[]>("Score").ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PaddedStepsInABatchChangeNothing(bool bidirectional)
    {
        // Validation runs whole batches of right-padded sequences through the network; scoring runs one sequence at a time
        // with no padding. So the validation loss the trainer reports for the final weights must equal the mean squared
        // error of the rows scored alone; padded steps that leaked into a state would break the equality.
        var mlContext = new MLContext(seed: 1);
        LstmOptions options = Options(2) with { LabelColumnName = nameof(SequenceRow.Target), Bidirectional = bidirectional, RestoreBestWeights = false };
        SequenceRow[] validationRows = Sequences.Make(64, 3, 8, 6);
        Assert.All(validationRows.Chunk(options.BatchSize), batch => Assert.True(batch.Min(r => r.Values.Length) < batch.Max(r => r.Values.Length)));
        IDataView validation = View(mlContext, validationRows);
        var model = mlContext.Regression.Trainers.Lstm(options).Fit(View(mlContext, Sequences.Make(200, 3, 8, 5)), validation);

        float[] alone = model.Transform(validation).GetColumn<float>("Score").ToArray();
        double squaredError = validationRows.Select((row, i) => (double)(alone[i] - row.Target) * (alone[i] - row.Target)).Average();
        double batched = model.Model.TrainingHistory[^1].ValidationLoss!.Value;
        Assert.True(Math.Abs(batched - squaredError) <= 1e-5 * squaredError, $"padded batches {batched:G9}, one at a time {squaredError:G9}");
        // The network must depend on its input for the comparison to mean anything.
        Assert.True(alone.Max() - alone.Min() > 0.1f, $"scores span {alone.Min()}..{alone.Max()}");
    }

    [Fact]
    public void RegressesTheSequenceMean()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = View(mlContext, Sequences.Make(800, 5, 5, 11), variable: false);
        IDataView test = View(mlContext, Sequences.Make(200, 5, 5, 12), variable: false);
        var trainer = mlContext.Regression.Trainers.Lstm(Options(10, variable: false) with { LabelColumnName = nameof(SequenceRow.Target), LearningRate = 5e-3f });
        var metrics = mlContext.Regression.Evaluate(trainer.Fit(train).Transform(test), labelColumnName: nameof(SequenceRow.Target));
        Assert.True(metrics.RSquared > 0.8, $"R^2 {metrics.RSquared:F3}");
    }

    [Fact]
    public void BinaryClassifierGivesProbabilities()
    {
        var mlContext = new MLContext(seed: 1);
        // ML.NET's binary scorer needs a known-size feature vector, so binary sequence models take fixed-length sequences.
        IDataView train = View(mlContext, Sequences.Make(600, 6, 6, 21), variable: false);
        IDataView test = View(mlContext, Sequences.Make(200, 6, 6, 22), variable: false);
        var trainer = mlContext.BinaryClassification.Trainers.Lstm(Options(8, variable: false) with { LabelColumnName = nameof(SequenceRow.Flag) });
        var metrics = mlContext.BinaryClassification.Evaluate(trainer.Fit(train).Transform(test), labelColumnName: nameof(SequenceRow.Flag));
        Assert.True(metrics.AreaUnderRocCurve > 0.85, $"AUC {metrics.AreaUnderRocCurve:F3}");
    }

    [Fact]
    public void RowMnistSequencesTakeStepsFromTheColumnType()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Digits.Rows(0, 1000), Digits.SequenceSchema());
        IDataView test = mlContext.Data.LoadFromEnumerable(Digits.Rows(9000, 200), Digits.SequenceSchema());
        var options = new LstmOptions { FeatureColumnName = "Pixels", HiddenSize = 32, Epochs = 10, BatchSize = 32, LearningRate = 1e-2f, Seed = 1 };
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Lstm(options));
        var model = pipeline.Fit(train);
        Assert.Equal("input (28 steps x 28)", model.LastTransformer.Model.Layers[0]);
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        // Accuracy measured 0.785..0.855 over option seeds 1..8; margin 0.045.
        Assert.True(metrics.MicroAccuracy > 0.74, $"accuracy {metrics.MicroAccuracy:F3}");
    }

    [Fact]
    public void WrongLengthAndNaNAreRejectedWithTheColumnName()
    {
        var mlContext = new MLContext(seed: 1);
        SequenceRow[] rows = Sequences.Make(40, 3, 6, 9);
        rows[7].Values = [1f, 2f, 3f]; // not a whole number of 2-feature steps
        var trainer = mlContext.Regression.Trainers.Lstm(Options(1) with { LabelColumnName = nameof(SequenceRow.Target) });
        var e = Assert.ThrowsAny<Exception>(() => trainer.Fit(View(mlContext, rows)));
        Assert.Contains("'Values'", Innermost(e).Message);

        rows = Sequences.Make(40, 3, 6, 9);
        rows[3].Values[1] = float.NaN;
        e = Assert.ThrowsAny<Exception>(() => trainer.Fit(View(mlContext, rows)));
        Assert.Contains("'Values'", Innermost(e).Message);
        Assert.Contains("row 3", Innermost(e).Message);
    }

    [Fact]
    public void InvalidOptionsNameTheOption()
    {
        var mlContext = new MLContext();
        var e = Assert.ThrowsAny<ArgumentException>(() => mlContext.Regression.Trainers.Lstm(new LstmOptions { HiddenSize = 0 }));
        Assert.Contains("HiddenSize", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => mlContext.Regression.Trainers.Lstm(new LstmOptions { Dropout = 1f }));
        Assert.Contains("Dropout", e.Message);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
