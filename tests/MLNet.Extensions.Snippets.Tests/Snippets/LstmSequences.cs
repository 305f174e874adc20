using Microsoft.ML;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Transforms.Sequences;

// Each row's Sensor vector holds T steps of 3 features (T from 8 to 20); the label says whether the first feature rises.
var random = new Random(1);
SensorRow MakeRow()
{
    int steps = random.Next(8, 21);
    bool rising = random.Next(2) == 0;
    var sensor = new float[steps * 3];
    for (int t = 0; t < steps; t++)
    {
        sensor[t * 3] = (rising ? t : steps - t) * 0.5f + (float)random.NextDouble();
        sensor[t * 3 + 1] = (float)random.NextDouble();
        sensor[t * 3 + 2] = 10 + (float)random.NextDouble();
    }
    return new SensorRow { Sensor = sensor, Label = rising ? "rising" : "falling" };
}
SensorRow[] rows = Enumerable.Range(0, 600).Select(_ => MakeRow()).ToArray();

var mlContext = new MLContext(seed: 1);
IDataView train = mlContext.Data.LoadFromEnumerable(rows[..500]);
IDataView test = mlContext.Data.LoadFromEnumerable(rows[500..]);
var classifier = mlContext.Transforms.Conversion.MapValueToKey("Label")
    .Append(mlContext.Transforms.StandardizeSequence("Sensor", featuresPerStep: 3))
    .Append(mlContext.MulticlassClassification.Trainers.Lstm(new LstmOptions
    {
        FeatureColumnName = "Sensor", FeaturesPerStep = 3, VariableLength = true,
        HiddenSize = 32, LayerCount = 2, Bidirectional = true, Dropout = 0.2f, Epochs = 8,
    }));
var model = classifier.Fit(train);
Console.WriteLine($"sequence accuracy: {mlContext.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy:F3}");

/// <summary>A variable-length sequence and its class.</summary>
public sealed class SensorRow
{
    public float[] Sensor { get; set; } = [];
    public string Label { get; set; } = "";
}
