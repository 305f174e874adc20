using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Tests.Network;

/// <summary>
/// Whole networks' backward passes (recurrent stacks with every head, image-to-sequence stacks) against central finite
/// differences of their own forward pass, through the one network class every trainer uses.
/// </summary>
public class NetworkGradientTests
{
    public static TheoryData<bool, bool, int, bool> RecurrentCases() => new()
    {
        { false, false, 1, true },
        { true, false, 2, true },
        { false, true, 2, false },
        { true, true, 1, false },
    };

    [Theory]
    [MemberData(nameof(RecurrentCases))]
    public void RecurrentStacksMatchFiniteDifferences(bool bidirectional, bool everyStep, int layers, bool variableLength)
    {
        LayerStack stack = RecurrentStack.Build(RecurrentStack.Lstm, layers, hidden: 3, bidirectional, dropout: 0f, trailing: 1,
            dense: 4, outputs: 2, everyStep);
        // Every-step outputs need full-length sequences; the others mix a short one in to exercise masking.
        var layout = new InputLayout(TensorShape.Sequence(3, 2), TrailingFeatures: 1, VariableLength: variableLength);
        AssertGradients(new NeuralNetwork(layout, stack), variableLength ? [7, 5] : [7, 7], $"bi={bidirectional} every={everyStep} layers={layers}");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void GruStacksMatchFiniteDifferences(bool bidirectional, bool everyStep)
    {
        LayerStack stack = RecurrentStack.Build((u, b, r) => new GruSpec(u, b, r), layers: 2, hidden: 3, bidirectional, dropout: 0f,
            trailing: 1, dense: 0, outputs: 2, everyStep);
        var layout = new InputLayout(TensorShape.Sequence(3, 2), TrailingFeatures: 1, VariableLength: !everyStep);
        AssertGradients(new NeuralNetwork(layout, stack), everyStep ? [7, 7] : [7, 3], $"gru bi={bidirectional} every={everyStep}");
    }

    [Fact]
    public void ConvolutionFeedingAnLstmMatchesFiniteDifferences()
    {
        var stack = new LayerStack(new Conv2dSpec(2, 3, Padding: 1), new ActivationSpec(ActivationKind.Tanh), new ToSequenceSpec(),
            new LstmSpec(3, Bidirectional: true), new DenseSpec(2));
        var layout = new InputLayout(new TensorShape(1, 4, 5));
        AssertGradients(new NeuralNetwork(layout, stack), [20, 20], "conv -> lstm");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConvolutionsAndPoolingOverSequencesMatchFiniteDifferences(bool variableLength)
    {
        var stack = new LayerStack(
            new Conv1dSpec(3, 3, Padding: Kernels.Convolution.Conv1dPaddingMode.Same), new ActivationSpec(ActivationKind.Tanh),
            new Pooling1dSpec(PoolingKind.Max, 2, 2),
            new Conv1dSpec(2, 2, Dilation: 2, Padding: Kernels.Convolution.Conv1dPaddingMode.Causal), new ActivationSpec(ActivationKind.Sigmoid),
            new LstmSpec(3, ReturnSequences: true), new GlobalPoolingSpec(PoolingKind.Average), new DenseSpec(2));
        var layout = new InputLayout(TensorShape.Sequence(8, 2), VariableLength: variableLength);
        AssertGradients(new NeuralNetwork(layout, stack), variableLength ? [16, 10] : [16, 16], $"conv1d variable={variableLength}");
    }

    [Fact]
    public void ReluPoolAndFlattenSharingBuffersMatchFiniteDifferences()
    {
        // conv+ReLU in one store, the pool doing the ReLU's backward, the flatten in place: the buffers those share.
        var stack = new LayerStack(new Conv2dSpec(3, 3, Padding: 1), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
            new FlattenSpec(), new DenseSpec(4), new ActivationSpec(ActivationKind.Relu), new DenseSpec(2));
        AssertGradients(new NeuralNetwork(new InputLayout(new TensorShape(2, 6, 6)), stack), [72, 72], "conv relu pool flatten");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormPoolingAsItStoresMatchesFiniteDifferences(bool relu)
    {
        // Batch norm computes the 2x2 max pool after it as it stores, and the pool's backward (gated by its rectified
        // maxima with the ReLU) reads what that left; batch statistics, so the loss is taken in training mode. 7x7 maps
        // leave an odd row and column no window covers.
        LayerSpec[] activation = relu ? [new ActivationSpec(ActivationKind.Relu)] : [];
        var stack = new LayerStack([new Conv2dSpec(3, 3, Padding: 1), new BatchNormSpec(), .. activation,
            new PoolingSpec(PoolingKind.Max), new FlattenSpec(), new DenseSpec(2)]);
        AssertGradients(new NeuralNetwork(new InputLayout(new TensorShape(2, 7, 7)), stack), [98, 98, 98], $"bn pool relu={relu}",
            training: true);
    }

    [Fact]
    public void GlobalPoolingOverImageMapsMatchesFiniteDifferences()
    {
        var stack = new LayerStack(new Conv2dSpec(3, 3, Padding: 1), new ActivationSpec(ActivationKind.Tanh),
            new GlobalPoolingSpec(PoolingKind.Max), new DenseSpec(2));
        AssertGradients(new NeuralNetwork(new InputLayout(new TensorShape(2, 4, 4)), stack), [32, 32], "global max over maps");
        stack = new LayerStack(new Conv2dSpec(3, 3, Padding: 1), new GlobalPoolingSpec(PoolingKind.Average), new DenseSpec(2));
        AssertGradients(new NeuralNetwork(new InputLayout(new TensorShape(2, 4, 4)), stack), [32, 32], "global average over maps");
    }

    [Fact]
    public void StridedLayersMapEachSequencesUsedSteps()
    {
        var stack = new LayerStack(new Conv1dSpec(2, 3, Stride: 2), new Pooling1dSpec(PoolingKind.Average, 2, 1), new GlobalPoolingSpec(PoolingKind.Max));
        var network = new NeuralNetwork(new InputLayout(TensorShape.Sequence(9, 1), VariableLength: true), stack);
        network.Initialize(1);
        SequentialWorkspace workspace = network.CreateWorkspace(3);
        network.Load(workspace, new float[27], [9, 5, 3], 3);
        network.Forward(workspace, 3, training: false);
        // conv: (9 - 3) / 2 + 1 = 4, (5 - 3) / 2 + 1 = 2, (3 - 3) / 2 + 1 = 1 steps; pooling 2 stride 1: 3, 1, 0.
        Assert.Equal([4, 2, 1], workspace.StepsAt(1)[..3].ToArray());
        Assert.Equal([3, 1, 0], workspace.StepsAt(2)[..3].ToArray());
    }

    [Fact]
    public void DenseOnASequenceRunsPerStep()
    {
        var network = new NeuralNetwork(new InputLayout(TensorShape.Sequence(4, 3)), new LayerStack(new DenseSpec(2)));
        network.Initialize(3);
        Assert.Equal(TensorShape.Sequence(4, 2), network.Sequential.OutputShape);
        Assert.Equal(3 * 2 + 2, network.Sequential.ParameterCount);
        float[] row = RandomData.Uniform(12, 5);
        SequentialWorkspace workspace = network.CreateWorkspace(1);
        network.Load(workspace, row, [12], 1);
        float[] outputs = network.Forward(workspace, 1, training: false).ToArray();
        float[] p = network.Buffer.Values;
        for (int step = 0; step < 4; step++)
        {
            for (int o = 0; o < 2; o++)
            {
                double expected = p[6 + o];
                for (int f = 0; f < 3; f++)
                    expected += p[o * 3 + f] * (double)row[step * 3 + f];
                Assert.Equal(expected, outputs[step * 2 + o], 5);
            }
        }
    }

    [Fact]
    public void ToSequenceReadsColumnsAsSteps()
    {
        var network = new NeuralNetwork(new InputLayout(new TensorShape(2, 2, 3)), new LayerStack(new ToSequenceSpec(), new FlattenSpec()));
        float[] map = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        SequentialWorkspace workspace = network.CreateWorkspace(1);
        network.Load(workspace, map, [12], 1);
        float[] sequence = network.Forward(workspace, 1, training: false).ToArray();
        // Step w holds (c, h, w) for c, h in order: the map's rows are (c, h), its columns the steps.
        for (int w = 0; w < 3; w++)
        {
            for (int row = 0; row < 4; row++)
                Assert.Equal(map[row * 3 + w], sequence[w * 4 + row]);
        }
    }

    [Fact]
    public void LayersThatNeedAnotherShapeSayWhatToDo()
    {
        var image = new InputLayout(new TensorShape(1, 4, 4));
        var error = Assert.Throws<ArgumentException>(() => new NeuralNetwork(image, new LayerStack(new LstmSpec(3), new DenseSpec(1))));
        Assert.Contains("ToSequence", error.Message);
        var sequence = new InputLayout(TensorShape.Sequence(4, 4));
        error = Assert.Throws<ArgumentException>(() => new NeuralNetwork(sequence, new LayerStack(new Conv2dSpec(2, 3), new DenseSpec(1))));
        Assert.Contains("1-D", error.Message);
        error = Assert.Throws<ArgumentException>(() => new NeuralNetwork(sequence, new LayerStack(new AppendTrailingFeaturesSpec(), new DenseSpec(1))));
        Assert.Contains("TrailingFeatures", error.Message);
    }

    /// <summary>
    /// Checks every parameter's gradient of sum(outputs · weights) against central differences, the loss taken in
    /// inference mode unless <paramref name="training"/> (batch statistics).
    /// </summary>
    internal static void AssertGradients(NeuralNetwork network, int[] lengths, string what, bool training = false)
    {
        network.Initialize(7);
        int batch = lengths.Length;
        float[] rows = RandomData.Uniform(batch * network.Layout.Size, 3);
        float[] weights = RandomData.Uniform(batch * network.OutputSize, 4);
        SequentialWorkspace workspace = network.CreateWorkspace(batch, 1);

        double Loss()
        {
            network.Load(workspace, rows, lengths, batch);
            ReadOnlySpan<float> outputs = network.Forward(workspace, batch, training);
            double sum = 0;
            for (int i = 0; i < outputs.Length; i++)
                sum += outputs[i] * (double)weights[i];
            return sum;
        }

        network.Load(workspace, rows, lengths, batch);
        network.Forward(workspace, batch, training: true);
        network.Buffer.ZeroGradients();
        network.Sequential.Backward(workspace, batch, network.Buffer.Values, network.Buffer.Gradients, network.Buffer.State, weights);
        float[] analytic = (float[])network.Buffer.Gradients.Clone();

        Tolerance.AssertClose(CentralDifferences(network.Buffer.Values, Loss), analytic, relative: 2e-2, absolute: 2e-3,
            what: $"dParameters {what}");
    }

    /// <summary>d(loss)/d(parameter) for every parameter by central differences, each parameter restored after its two evaluations.</summary>
    private static double[] CentralDifferences(float[] parameters, Func<double> loss)
    {
        var numeric = new double[parameters.Length];
        const float step = 2e-3f; // small enough not to straddle a ReLU kink, large enough for float forward passes
        for (int i = 0; i < parameters.Length; i++)
        {
            float saved = parameters[i];
            parameters[i] = saved + step;
            double up = loss();
            parameters[i] = saved - step;
            double down = loss();
            parameters[i] = saved;
            numeric[i] = (up - down) / (2 * step);
        }
        return numeric;
    }
}
