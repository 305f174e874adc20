using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Lstm;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>
/// A Fit gives bit for bit the same model on 1, 2 or 3 threads: the batch is cut into fixed-size sub-batches whatever the
/// thread count, batch norm adds per-sub-batch sums in sub-batch order, dropout draws per sub-batch, and the gradients are
/// added in sub-batch order. Batches of 48 make three sub-batches, so each thread count hands them out differently.
/// </summary>
public class ThreadCountIndependenceTests
{
    private static readonly int[] ThreadCounts = [1, 2, 3];

    [Fact]
    public void ACnnWithBatchNormAndDropoutTrainsToTheSameWeightsOnAnyThreadCount()
    {
        (float[] Values, float[] State, double[] Losses) Fit(int threads)
        {
            var mlContext = new MLContext(seed: 1);
            // 200 rows: four batches of 48 and a last one of 8, a single short sub-batch.
            IDataView train = mlContext.Data.LoadFromEnumerable(Digits.Rows(0, 200), Digits.ImageSchema());
            var options = CnnTestNetworks.Options(epochs: 2) with { BatchSize = 48, ThreadCount = threads };
            var model = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
                .Append(mlContext.MulticlassClassification.Trainers.Cnn(options))
                .Fit(train);
            return Weights(model.LastTransformer.Model.Predictor.Network, model.LastTransformer.Model.TrainingHistory.Select(p => p.TrainLoss));
        }

        AssertSameForEveryThreadCount(Fit);
    }

    [Fact]
    public void AStackedLstmWithDropoutOnVariableLengthsTrainsToTheSameWeightsOnAnyThreadCount()
    {
        (float[] Values, float[] State, double[] Losses) Fit(int threads)
        {
            var mlContext = new MLContext(seed: 1);
            IDataView train = mlContext.Data.LoadFromEnumerable(Sequences.Make(150, 4, 10, 1));
            var options = new LstmOptions
            {
                FeatureColumnName = nameof(SequenceRow.Values),
                LabelColumnName = "Label",
                FeaturesPerStep = 2,
                VariableLength = true,
                HiddenSize = 16,
                LayerCount = 2,
                Dropout = 0.2f,
                Epochs = 2,
                BatchSize = 48,
                LearningRate = 1e-2f,
                Seed = 3,
                ThreadCount = threads,
            };
            var model = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SequenceRow.Class))
                .Append(mlContext.MulticlassClassification.Trainers.Lstm(options))
                .Fit(train);
            return Weights(model.LastTransformer.Model.Predictor.Network, model.LastTransformer.Model.TrainingHistory.Select(p => p.TrainLoss));
        }

        AssertSameForEveryThreadCount(Fit);
    }

    private static (float[] Values, float[] State, double[] Losses) Weights(NeuralNetwork network, IEnumerable<double> losses) =>
        ((float[])network.Buffer.Values.Clone(), (float[])network.Buffer.State.Clone(), losses.ToArray());

    private static void AssertSameForEveryThreadCount(Func<int, (float[] Values, float[] State, double[] Losses)> fit)
    {
        var results = ThreadCounts.Select(fit).ToArray();
        var (values, state, losses) = results[0];
        Assert.True(losses[^1] < losses[0], $"training did not lower the loss: {string.Join(", ", losses)}");
        for (int i = 1; i < results.Length; i++)
        {
            // Compared as bits: equal floats that differ in sign of zero or NaN payload would also be a difference.
            Assert.Equal(Bits(values), Bits(results[i].Values));
            Assert.Equal(Bits(state), Bits(results[i].State));
            Assert.Equal(losses, results[i].Losses);
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
