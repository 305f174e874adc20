using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>
/// Appends the per-sequence trailing features (stored after the steps in the feature vector, see
/// <c>LstmOptions.TrailingFeatures</c>) to the vector, or to every step of the sequence, that reaches this layer.
/// </summary>
public sealed record AppendTrailingFeaturesSpec : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
    }

    internal override Layer Build(TensorShape input) => Build(input, 0);

    internal override Layer Build(TensorShape input, int trailingFeatures)
    {
        Require(trailingFeatures > 0, "AppendTrailingFeatures", trailingFeatures, "a network whose input has trailing features (TrailingFeatures > 0)");
        return new AppendTrailingFeaturesLayer(input, trailingFeatures);
    }

    /// <inheritdoc />
    public override string ToString() => "append-trailing";
}
