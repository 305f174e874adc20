using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network.Specs;

// Each row holds 24 steps of 2 features; the target is a filter two steps wide, averaged over the sequence:
// the mean over t of 2·x[t, 0] − x[t − 1, 1].
var random = new Random(2);
SignalRow MakeRow()
{
    var signal = new float[48];
    for (int i = 0; i < signal.Length; i++)
        signal[i] = (float)(random.NextDouble() * 2 - 1);
    double sum = 0;
    for (int t = 1; t < 24; t++)
        sum += 2 * signal[t * 2] - signal[(t - 1) * 2 + 1];
    return new SignalRow { Signal = signal, Filtered = (float)(sum / 23) };
}
SignalRow[] rows = Enumerable.Range(0, 1000).Select(_ => MakeRow()).ToArray();

var mlContext = new MLContext(seed: 1);
IDataView train = mlContext.Data.LoadFromEnumerable(rows[..800]);
IDataView test = mlContext.Data.LoadFromEnumerable(rows[800..]);
// Any stack of layers: a 1-D convolution two steps wide, then global average pooling over the steps; the trainer adds
// the output layer. (GruSpec, LstmSpec, Pooling1dSpec and ToSequenceSpec stack the same way.)
var regressor = mlContext.Regression.Trainers.Lstm(new LstmOptions
{
    FeatureColumnName = "Signal", LabelColumnName = "Filtered", FeaturesPerStep = 2,
    Layers = new LayerStack(new Conv1dSpec(4, 2), new GlobalPoolingSpec(PoolingKind.Average)),
    Epochs = 20, LearningRate = 1e-2f,
});
var model = regressor.Fit(train);
Console.WriteLine(string.Join(Environment.NewLine, model.Model.Layers));
Console.WriteLine($"R squared: {mlContext.Regression.Evaluate(model.Transform(test), labelColumnName: "Filtered").RSquared:F3}");

/// <summary>A fixed-length sequence of 24 steps of 2 features and its target.</summary>
public sealed class SignalRow
{
    [VectorType(48)]
    public float[] Signal { get; set; } = [];
    public float Filtered { get; set; }
}
