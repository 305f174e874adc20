using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Tests.Network;

/// <summary>
/// Scoring a batch of at least 8 sequences takes the LSTM's cache-free path (one fused product per step); a training
/// forward keeps every step's caches. The two must give the same outputs to rounding, for every shape of stack.
/// </summary>
public class RecurrentScoringPathTests
{
    public static TheoryData<bool, bool> Cases() => new()
    {
        { false, false },
        { true, false },
        { false, true },
        { true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScoringAgreesWithTheTrainingForward(bool bidirectional, bool everyStep)
    {
        const int batch = 12, steps = 6, features = 3;
        LayerStack stack = RecurrentStack.Build(RecurrentStack.Lstm, layers: 2, hidden: 20, bidirectional, dropout: 0f, trailing: 0,
            dense: 5, outputs: 3, everyStep);
        // Every-step outputs need full-length sequences; the others mix in short ones to exercise the held states.
        var layout = new InputLayout(TensorShape.Sequence(steps, features), VariableLength: !everyStep);
        var network = new NeuralNetwork(layout, stack);
        network.Initialize(5);
        var random = new Random(3);
        float[] rows = Enumerable.Range(0, batch * steps * features).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] lengths = Enumerable.Range(0, batch).Select(i => everyStep ? steps * features : features * (1 + i % steps)).ToArray();

        float[] Outputs(bool training)
        {
            SequentialWorkspace workspace = network.CreateWorkspace(batch);
            network.Load(workspace, rows, lengths, batch);
            return network.Forward(workspace, batch, training).ToArray();
        }

        float[] trained = Outputs(training: true), scored = Outputs(training: false);
        Assert.Equal(trained.Length, scored.Length);
        for (int i = 0; i < trained.Length; i++)
            Assert.True(Math.Abs(trained[i] - scored[i]) <= 1e-5f + 1e-5f * Math.Abs(trained[i]), $"output {i}: training {trained[i]}, scoring {scored[i]}");
    }
}
