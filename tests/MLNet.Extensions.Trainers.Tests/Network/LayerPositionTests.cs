using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Tests.Network;

/// <summary>
/// Every layer kind as the first layer (where backward writes no input gradient, as in an MLP that starts with Flatten)
/// and as the last layer (whose output is the network's), checked against finite differences, or, for the layers whose
/// training forward differs from inference (dropout, batch normalization), for a finite, non-zero backward pass.
/// </summary>
public class LayerPositionTests
{
    private static readonly TensorShape Image = new(1, 4, 4);

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string kind in new[] { "conv", "activation", "pooling", "flatten", "dense", "dropout", "batchnorm", "lstm", "gru", "trailing", "tosequence" })
        {
            data.Add(kind, true);
            data.Add(kind, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryLayerKindWorksFirstAndLast(string kind, bool first)
    {
        var (layout, specs) = Network(kind, first);
        var network = new NeuralNetwork(layout, new LayerStack(specs));
        Assert.Equal(kind == "tosequence" ? "to-sequence" : kind, Describe(first ? network.Sequential.Layers[0] : network.Sequential.Layers[^1], kind));
        int[] lengths = [layout.Size, layout.Size];
        if (kind is "dropout" or "batchnorm")
            AssertFiniteBackward(network, lengths);
        else
            NetworkGradientTests.AssertGradients(network, lengths, $"{kind} {(first ? "first" : "last")}");
    }

    private static (InputLayout, LayerSpec[]) Network(string kind, bool first) => (kind, first) switch
    {
        ("conv", true) => (new(Image), [new Conv2dSpec(2, 3, Padding: 1), new FlattenSpec(), new DenseSpec(2)]),
        ("conv", false) => (new(Image), [new ActivationSpec(ActivationKind.Tanh), new Conv2dSpec(2, 3, Padding: 1)]),
        ("activation", true) => (new(Image), [new ActivationSpec(ActivationKind.Tanh), new FlattenSpec(), new DenseSpec(2)]),
        ("activation", false) => (new(TensorShape.Vector(4)), [new DenseSpec(3), new ActivationSpec(ActivationKind.Tanh)]),
        ("pooling", true) => (new(Image), [new PoolingSpec(PoolingKind.Average), new FlattenSpec(), new DenseSpec(2)]),
        ("pooling", false) => (new(Image), [new Conv2dSpec(2, 3, Padding: 1), new PoolingSpec(PoolingKind.Average)]),
        ("flatten", true) => (new(Image), [new FlattenSpec(), new DenseSpec(3), new ActivationSpec(ActivationKind.Tanh), new DenseSpec(2)]),
        ("flatten", false) => (new(Image), [new Conv2dSpec(2, 3, Padding: 1), new FlattenSpec()]),
        ("dense", true) => (new(TensorShape.Vector(4)), [new DenseSpec(3), new ActivationSpec(ActivationKind.Tanh), new DenseSpec(2)]),
        ("dense", false) => (new(Image), [new FlattenSpec(), new DenseSpec(2)]),
        ("dropout", true) => (new(TensorShape.Vector(4)), [new DropoutSpec(0.25f), new DenseSpec(2)]),
        ("dropout", false) => (new(TensorShape.Vector(4)), [new DenseSpec(3), new DropoutSpec(0.25f)]),
        ("batchnorm", true) => (new(Image), [new BatchNormSpec(), new FlattenSpec(), new DenseSpec(2)]),
        ("batchnorm", false) => (new(Image), [new Conv2dSpec(2, 3, Padding: 1), new BatchNormSpec()]),
        ("lstm", true) => (new(TensorShape.Sequence(3, 2)), [new LstmSpec(3), new DenseSpec(2)]),
        ("lstm", false) => (new(TensorShape.Sequence(3, 2)), [new DenseSpec(3), new LstmSpec(2)]),
        ("gru", true) => (new(TensorShape.Sequence(3, 2)), [new GruSpec(3), new DenseSpec(2)]),
        ("gru", false) => (new(TensorShape.Sequence(3, 2)), [new DenseSpec(3), new GruSpec(2)]),
        ("trailing", true) => (new(TensorShape.Vector(3), TrailingFeatures: 2), [new AppendTrailingFeaturesSpec(), new DenseSpec(2)]),
        ("trailing", false) => (new(TensorShape.Vector(3), TrailingFeatures: 2), [new DenseSpec(3), new AppendTrailingFeaturesSpec()]),
        ("tosequence", true) => (new(new TensorShape(1, 4, 5)), [new ToSequenceSpec(), new LstmSpec(3), new DenseSpec(2)]),
        ("tosequence", false) => (new(new TensorShape(1, 4, 5)), [new Conv2dSpec(2, 3, Padding: 1), new ToSequenceSpec()]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such case"),
    };

    // The layer built for a spec, named like the case, so a case cannot silently test another kind.
    private static string Describe(Trainers.Network.Layers.Layer layer, string kind) => layer.GetType().Name switch
    {
        "Conv2dLayer" => "conv",
        "ActivationLayer" => "activation",
        "PoolingLayer" => "pooling",
        "FlattenLayer" => "flatten",
        "DenseLayer" => "dense",
        "DropoutLayer" => "dropout",
        "BatchNormLayer" => "batchnorm",
        "LstmRecurrentLayer" => "lstm",
        "GruRecurrentLayer" => "gru",
        "AppendTrailingFeaturesLayer" => "trailing",
        "ToSequenceLayer" => "to-sequence",
        var other => other,
    };

    private static void AssertFiniteBackward(NeuralNetwork network, int[] lengths)
    {
        network.Initialize(7);
        int batch = lengths.Length;
        SequentialWorkspace workspace = network.CreateWorkspace(batch, 1);
        network.Load(workspace, RandomData.Uniform(batch * network.Layout.Size, 3), lengths, batch);
        network.Forward(workspace, batch, training: true);
        network.Buffer.ZeroGradients();
        network.Sequential.Backward(workspace, batch, network.Buffer.Values, network.Buffer.Gradients, network.Buffer.State,
            RandomData.Uniform(batch * network.OutputSize, 4));
        Assert.All(network.Buffer.Gradients, g => Assert.True(float.IsFinite(g)));
        Assert.Contains(network.Buffer.Gradients, g => g != 0);
    }
}
