// Trains the CNN on an imbalanced version of the bundled MNIST digits (digits 2, 5 and 8 kept at 5% of their training
// rows, every 20th, so the subsample is deterministic), twice: with equal class weights and with BalanceClasses = true,
// and compares both on the untouched (balanced) last 2,000 digits: accuracy, macro accuracy and the rare digits' recall.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Training;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 6;
uint[] rare = [2, 5, 8];
const int keepEvery = 20;
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
MnistDigit[] digits = MnistDigits.Load(dataFolder);
var images = digits.Select(d => new DigitImage { Pixels = d.Pixels, Digit = d.Digit }).ToArray();
var trainRows = new List<DigitImage>();
var seen = new int[10];
foreach (DigitImage image in images[..8000])
    if (!rare.Contains(image.Digit) || seen[image.Digit]++ % keepEvery == 0)
        trainRows.Add(image);
int[] counts = Enumerable.Range(0, 10).Select(d => trainRows.Count(r => r.Digit == d)).ToArray();
Console.WriteLine($"ImbalancedDigits: {trainRows.Count:N0} training digits, digits {string.Join(", ", rare)} kept at 1 in {keepEvery}; "
    + $"rows per digit: {string.Join(" ", counts)}; 2,000 balanced test digits");

var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(DigitImage));
schema[nameof(DigitImage.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, MnistDigit.Side, MnistDigit.Side);
IDataView train = mlContext.Data.LoadFromEnumerable(trainRows, schema);
IDataView test = mlContext.Data.LoadFromEnumerable(images[8000..], schema);

Console.WriteLine($"{"run",-16} {"accuracy",9} {"macro acc",9} {string.Join(" ", rare.Select(d => $"recall {d}"))} {"training",9}");
foreach (bool balance in new[] { false, true })
{
    var options = new CnnOptions
    {
        Epochs = epochs,
        Optimizer = OptimizerKind.AdamW,
        LearningRate = 2e-3f,
        Schedule = LearningRateSchedule.Cosine,
        BalanceClasses = balance,
        Seed = 1,
    };
    // Map every digit 0-9 to its key by value so that the class order (and recall per key) is the digit order.
    var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitImage.Digit),
            keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
        .Append(mlContext.Transforms.CopyColumns("Features", nameof(DigitImage.Pixels)))
        .Append(mlContext.MulticlassClassification.Trainers.Cnn(options));
    var clock = Stopwatch.StartNew();
    var model = pipeline.Fit(train);
    double seconds = clock.Elapsed.TotalSeconds;
    var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
    var confusion = metrics.ConfusionMatrix;
    string recalls = string.Join(" ", rare.Select(d => $"{confusion.PerClassRecall[(int)d],8:F4}"));
    Console.WriteLine($"{(balance ? "BalanceClasses" : "unweighted"),-16} {metrics.MicroAccuracy,9:F4} {metrics.MacroAccuracy,9:F4} {recalls} {seconds,7:F1} s");
}
return 0;

/// <summary>Input row: the pixels and the digit.</summary>
public sealed class DigitImage
{
    /// <summary>784 intensities in [0, 1].</summary>
    public float[] Pixels { get; set; } = [];

    /// <summary>The true digit.</summary>
    public uint Digit { get; set; }
}
