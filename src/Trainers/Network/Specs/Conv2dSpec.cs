using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>A convolution layer: <paramref name="Filters"/> learnable square kernels of side <paramref name="KernelSize"/> (1 to 7).</summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelSize">Kernel side, 1 to 7.</param>
/// <param name="Stride">Step between windows.</param>
/// <param name="Padding">Zero padding on every side; <c>KernelSize / 2</c> with stride 1 keeps height and width ("same").</param>
public sealed record Conv2dSpec(int Filters, int KernelSize, int Stride = 1, int Padding = 0) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
        Require(Filters >= 1, "Conv2d.Filters", Filters, "at least 1");
        Require(KernelSize is >= 1 and <= 7, "Conv2d.KernelSize", KernelSize, "1 to 7");
        Require(Stride >= 1, "Conv2d.Stride", Stride, "at least 1");
        Require(Padding >= 0 && Padding < KernelSize, "Conv2d.Padding", Padding, $"0 to {KernelSize - 1}");
    }

    internal override Layer Build(TensorShape input)
    {
        RequireImage(input, "Conv2d");
        Require(input.Height + 2 * Padding >= KernelSize && input.Width + 2 * Padding >= KernelSize,
            "Conv2d.KernelSize", KernelSize, $"no larger than the padded input {input}");
        return new Conv2dLayer(input, Filters, KernelSize, Stride, Padding);
    }

    /// <inheritdoc />
    public override string ToString() => $"conv({Filters}, {KernelSize}x{KernelSize}, stride {Stride}, pad {Padding})";
}
