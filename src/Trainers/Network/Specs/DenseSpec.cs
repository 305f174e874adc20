using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>A fully connected layer of <paramref name="Units"/> outputs over the flattened input.</summary>
/// <param name="Units">Output features.</param>
public sealed record DenseSpec(int Units) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate() => Require(Units >= 1, "Dense.Units", Units, "at least 1");

    internal override Layer Build(TensorShape input) => new DenseLayer(input, Units);

    /// <inheritdoc />
    public override string ToString() => $"dense({Units})";
}
