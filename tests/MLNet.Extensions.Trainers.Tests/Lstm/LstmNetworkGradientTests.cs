using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Lstm;

namespace MLNet.Extensions.Trainers.Tests.Lstm;

/// <summary>
/// The whole LSTM network's backward pass (stacked, bidirectional, trailing features, dense head, many-to-one and
/// many-to-many) against central finite differences of its own forward pass.
/// </summary>
public class LstmNetworkGradientTests
{
    public static TheoryData<bool, bool, int> Cases() => new()
    {
        { false, false, 1 },
        { true, false, 2 },
        { false, true, 2 },
        { true, true, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(bool bidirectional, bool everyStep, int layers)
    {
        var architecture = new LstmArchitecture(MaxSteps: 3, FeaturesPerStep: 2, TrailingFeatures: 1, HiddenSize: 3, LayerCount: layers,
            Bidirectional: bidirectional, Dropout: 0f, DenseUnits: 4, Outputs: 2, EveryStep: everyStep);
        var network = new LstmNetwork(architecture);
        network.Initialize(7);
        const int batch = 2;
        float[] rows = RandomData.Uniform(batch * architecture.FeatureSize, 3);
        int[] lengths = everyStep ? [7, 7] : [7, 5]; // every-step outputs need full-length sequences
        float[] weights = RandomData.Uniform(batch * architecture.SampleOutputs, 4);
        var workspace = new LstmWorkspace(architecture, batch, 1);

        double Loss()
        {
            ReadOnlySpan<float> outputs = network.Forward(workspace, rows, lengths, batch, training: false);
            double sum = 0;
            for (int i = 0; i < outputs.Length; i++)
                sum += outputs[i] * (double)weights[i];
            return sum;
        }

        network.Forward(workspace, rows, lengths, batch, training: true);
        network.Buffer.ZeroGradients();
        network.Backward(workspace, batch, weights);
        float[] analytic = (float[])network.Buffer.Gradients.Clone();

        float[] parameters = network.Buffer.Values;
        var numeric = new double[parameters.Length];
        const float step = 2e-3f; // small enough not to straddle a ReLU kink, large enough for float forward passes
        for (int i = 0; i < parameters.Length; i++)
        {
            float saved = parameters[i];
            parameters[i] = saved + step;
            double up = Loss();
            parameters[i] = saved - step;
            double down = Loss();
            parameters[i] = saved;
            numeric[i] = (up - down) / (2 * step);
        }
        Tolerance.AssertClose(numeric, analytic, relative: 2e-2, absolute: 2e-3, what: $"dParameters bi={bidirectional} every={everyStep} layers={layers}");
    }
}
