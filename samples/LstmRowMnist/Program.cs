// Classifies the bundled MNIST digits with an LSTM that reads each image as a sequence of 28 rows of 28 pixels
// (first 8,000 train, last 2,000 test), prints the test accuracy and the training throughput.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Lstm;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 20;
MnistDigit[] digits = MnistDigits.Load(MnistDigits.FindDataFolder());
var rows = digits.Select(d => new DigitRows { Pixels = d.Pixels, Digit = d.Digit }).ToArray();

var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(DigitRows));
// 28 steps of 28 features: the LSTM takes T and F from the column's two dimensions.
schema[nameof(DigitRows.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(rows[..8000], schema);
IDataView test = mlContext.Data.LoadFromEnumerable(rows[8000..], schema);

var options = new LstmOptions
{
    FeatureColumnName = nameof(DigitRows.Pixels),
    HiddenSize = 128,
    Epochs = epochs,
    BatchSize = 64,
    LearningRate = 2e-3f,
    Schedule = MLNet.Extensions.Trainers.Training.LearningRateSchedule.Cosine,
    Seed = 1,
};
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRows.Digit),
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.MulticlassClassification.Trainers.Lstm(options, progress => Console.WriteLine(progress)));
var model = pipeline.Fit(train);
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4}");

/// <summary>A digit as 28 rows of 28 pixels.</summary>
public sealed class DigitRows
{
    /// <summary>784 intensities in [0, 1], row by row.</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The digit.</summary>
    public uint Digit { get; set; }
}
