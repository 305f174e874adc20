using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Network;

/// <summary>
/// A ReLU after a convolution is applied in the convolution's output stage and shares its buffer, and a ReLU before a
/// max pool has its backward done by the pool (gated by the pooled maxima) in one gradient buffer with it; a ReLU after
/// batch norm is applied in batch norm's store. A leaky ReLU
/// of slope 0 computes the same function as a layer of its own, so the two networks must agree on every output and gradient.
/// </summary>
public class FusedReluTests
{
    private static NeuralNetwork LeNet(ActivationSpec activation) =>
        new(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack(
            new Conv2dSpec(8, 5, Padding: 2), activation, new PoolingSpec(PoolingKind.Max),
            new Conv2dSpec(16, 5, Padding: 2), activation, new PoolingSpec(PoolingKind.Max),
            new FlattenSpec(), new DenseSpec(32), activation, new DenseSpec(10)));

    /// <summary>The default CNN's pattern: the ReLU after batch norm is applied in batch norm's store.</summary>
    private static NeuralNetwork WithBatchNorm(ActivationSpec activation) =>
        new(new InputLayout(new TensorShape(1, 28, 28)), new LayerStack(
            new Conv2dSpec(8, 3, Padding: 1), new BatchNormSpec(), activation, new PoolingSpec(PoolingKind.Max),
            new Conv2dSpec(16, 3, Padding: 1), new BatchNormSpec(), activation, new PoolingSpec(PoolingKind.Max),
            new FlattenSpec(), new DenseSpec(10)));

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void FusedReluGivesTheOutputsAndGradientsOfASeparateOne(int threads, bool batchNorm)
    {
        using var scope = new KernelThreadScope(threads);
        const int batchSize = 12;
        (float[] Outputs, float[] Gradients) Step(ActivationSpec activation)
        {
            NeuralNetwork network = batchNorm ? WithBatchNorm(activation) : LeNet(activation);
            network.Initialize(4);
            var trainable = new NetworkTrainable(network, batchSize, 1);
            var batch = new TrainingBatch(batchSize, 784, 1) { Count = batchSize };
            var random = new Random(2);
            for (int i = 0; i < batch.Features.Length; i++)
                batch.Features[i] = (float)random.NextDouble();
            for (int i = 0; i < batchSize; i++)
                batch.ClassLabels[i] = i % 10;
            Array.Fill(batch.Lengths, 784);
            var loss = new LossFunction(PredictionTask.MulticlassClassification, network.OutputSize);
            var dOut = new float[batchSize * network.OutputSize];
            float[] outputs = trainable.Forward(batch, training: true).ToArray();
            loss.Compute(batch, outputs, dOut, out _);
            network.Buffer.ZeroGradients();
            trainable.Backward(batch, dOut);
            return (outputs, network.Buffer.Gradients.ToArray());
        }

        var fused = Step(new ActivationSpec(ActivationKind.Relu));
        var separate = Step(new ActivationSpec(ActivationKind.LeakyRelu, LeakySlope: 0f));
        Assert.Equal(separate.Outputs, fused.Outputs);
        Assert.Equal(separate.Gradients, fused.Gradients);
        Assert.Contains(fused.Gradients, g => g != 0f);
    }
}
