using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>Flattens (C, H, W) into a vector; dense layers flatten implicitly, so this only documents intent.</summary>
public sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
    }

    internal override Layer Build(TensorShape input) => new FlattenLayer(input);

    /// <inheritdoc />
    public override string ToString() => "flatten";
}
