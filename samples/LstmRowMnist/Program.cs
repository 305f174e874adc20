// Classifies the bundled MNIST digits with an LSTM that reads each image as a sequence of 28 rows of 28 pixels
// (first 8,000 train, 10% of them held out for validation; last 2,000 test) with a progress bar per epoch, prints the
// test accuracy and the training throughput, and writes the training curves as a PNG file.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Training;

Console.WriteLine("LstmRowMnist: an LSTM reads each MNIST digit as 28 rows of 28 pixels; loading the data...");
int epochs = args.Length > 0 ? int.Parse(args[0]) : 20;
string dataFolder;
try
{
    dataFolder = MnistDigits.FindDataFolder();
}
catch (DirectoryNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
string output = SampleOutput.Folder(dataFolder, "LstmRowMnist");
MnistDigit[] digits = MnistDigits.Load(dataFolder);
var rows = digits.Select(d => new DigitRows { Pixels = d.Pixels, Digit = d.Digit }).ToArray();

var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(DigitRows));
// 28 steps of 28 features: the LSTM takes T and F from the column's two dimensions.
schema[nameof(DigitRows.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(rows[..8000], schema);
IDataView test = mlContext.Data.LoadFromEnumerable(rows[8000..], schema);

var display = new TrainingDisplay();
var options = new LstmOptions
{
    FeatureColumnName = nameof(DigitRows.Pixels),
    HiddenSize = 128,
    Epochs = epochs,
    BatchSize = 64,
    LearningRate = 2e-3f,
    Schedule = LearningRateSchedule.Cosine,
    ValidationFraction = 0.1f,
    EarlyStoppingPatience = 3,
    Seed = 1,
    BatchProgress = display.OnBatch,
    TrainingLogPath = Path.Combine(output, "training.csv"),
};
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRows.Digit),
        keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.MulticlassClassification.Trainers.Lstm(options, display.OnEpoch));
var model = display.Run(() => pipeline.Fit(train));
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F4}");
Console.WriteLine($"training throughput: {display.History.Average(p => p.SamplesPerSecond):N0} samples/s (mean over epochs)");

string curves = Path.Combine(output, "training.png");
Plots.TrainingCurves(display.History, "LstmRowMnist: loss and validation accuracy per epoch", curves);
string path = Path.Combine(output, "mnist-row-lstm.zip");
mlContext.Model.Save(model, train.Schema, path);
Console.WriteLine($"plot: {curves}; per-epoch log: {options.TrainingLogPath}");
Console.WriteLine($"saved model: {SampleOutput.Describe(path)}");
return 0;

/// <summary>A digit as 28 rows of 28 pixels.</summary>
public sealed class DigitRows
{
    /// <summary>784 intensities in [0, 1], row by row.</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The digit.</summary>
    public uint Digit { get; set; }
}
