using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>An elementwise activation layer.</summary>
/// <param name="Kind">ReLU, Leaky ReLU, Tanh or Sigmoid.</param>
/// <param name="LeakySlope">Slope for negative inputs of Leaky ReLU.</param>
public sealed record ActivationSpec(ActivationKind Kind, float LeakySlope = 0.01f) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
        Require(Enum.IsDefined(Kind), "Activation.Kind", Kind, "Relu, LeakyRelu, Tanh or Sigmoid");
        Require(float.IsFinite(LeakySlope) && LeakySlope >= 0 && LeakySlope < 1, "Activation.LeakySlope", LeakySlope, "in [0, 1)");
    }

    internal override Layer Build(TensorShape input) => new ActivationLayer(input, Kind, LeakySlope);

    /// <inheritdoc />
    public override string ToString() => Kind == ActivationKind.LeakyRelu ? $"leakyrelu({LeakySlope})" : Kind.ToString().ToLowerInvariant();
}
