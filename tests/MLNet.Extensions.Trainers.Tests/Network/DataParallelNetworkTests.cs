using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Tests.Network;

/// <summary>
/// A batch cut into sub-batches gives the whole batch's outputs and gradient: the dense layers' packed weights and their
/// once-per-batch weight gradient, and the other layers' per-sub-batch gradients added up, against one unsplit pass.
/// </summary>
public class DataParallelNetworkTests
{
    [Theory]
    [InlineData(1, false, 10)]
    [InlineData(2, false, 10)]
    [InlineData(3, false, 10)]
    [InlineData(2, true, 10)]
    [InlineData(3, true, 10)]
    [InlineData(2, true, 9)]
    public void ASplitBatchGivesTheWholeBatchsOutputsAndGradientStepAfterStep(int threads, bool batchNorm, int side)
    {
        // 40 samples: sub-batches of 16, 16 and 8. Dense 75 -> 40 has a tail column panel; dense 2 takes the small-row path.
        // Batch norm's statistics and its parameters' gradients are whole-batch sums of the sub-batches' partials; split,
        // it does the pool's backward inside its own (9x9 maps leave a last row and column no window covers).
        LayerSpec[] middle = batchNorm ? [new BatchNormSpec()] : [];
        var stack = new LayerStack([new Conv2dSpec(3, 3, Padding: 1), .. middle, new ActivationSpec(ActivationKind.Relu),
            new PoolingSpec(PoolingKind.Max), new FlattenSpec(), new DenseSpec(40), new ActivationSpec(ActivationKind.Tanh), new DenseSpec(2)]);
        var network = new NeuralNetwork(new InputLayout(new TensorShape(2, side, side)), stack);
        network.Initialize(5);
        const int batch = 40;
        using var scope = new KernelThreadScope(threads);
        var parallel = new DataParallelNetwork(network, batch, seed: 1);
        SequentialWorkspace whole = network.CreateWorkspace(batch, 1);
        int[] lengths = Enumerable.Repeat(network.Layout.Size, batch).ToArray();
        for (int step = 0; step < 3; step++)
        {
            float[] rows = RandomData.Uniform(batch * network.Layout.Size, (ulong)(10 + step));
            float[] dOutputs = RandomData.Uniform(batch * network.OutputSize, (ulong)(20 + step));

            network.Load(whole, rows, lengths, batch);
            float[] expectedOutputs = network.Forward(whole, batch, training: true).ToArray();
            network.Buffer.ZeroGradients();
            network.Sequential.Backward(whole, batch, network.Buffer.Values, network.Buffer.Gradients, network.Buffer.State, dOutputs);
            float[] expectedGradient = (float[])network.Buffer.Gradients.Clone();

            float[] outputs = parallel.Forward(rows, lengths, batch, training: true).ToArray();
            network.Buffer.ZeroGradients();
            parallel.Backward(dOutputs);

            Tolerance.AssertClose(expectedOutputs, outputs, relative: 1e-5, absolute: 1e-6, what: $"outputs, step {step}");
            Tolerance.AssertClose(expectedGradient, network.Buffer.Gradients, relative: 1e-5, absolute: 1e-6,
                what: $"gradient, step {step}, {threads} threads");
            // The next step sees other weights, as after an optimizer step: the packed copy must follow them.
            for (int i = 0; i < network.Buffer.Values.Length; i++)
                network.Buffer.Values[i] -= 0.01f * network.Buffer.Gradients[i];
        }
    }
}
