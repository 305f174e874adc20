using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>Inverted dropout dropping each unit with probability <paramref name="Rate"/> while training.</summary>
/// <param name="Rate">Drop probability in [0, 1).</param>
public sealed record DropoutSpec(float Rate) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate() => Require(float.IsFinite(Rate) && Rate >= 0 && Rate < 1, "Dropout.Rate", Rate, "in [0, 1)");

    internal override Layer Build(TensorShape input) => new DropoutLayer(input, Rate);

    /// <inheritdoc />
    public override string ToString() => $"dropout({Rate})";
}
