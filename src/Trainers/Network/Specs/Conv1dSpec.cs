using MLNet.Extensions.Kernels.Convolution;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>A 1-D convolution over a sequence (Keras' <c>Conv1D</c>): <paramref name="Filters"/> learnable windows of <paramref name="KernelSize"/> steps.</summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelSize">Window length in steps, 1 to 7.</param>
/// <param name="Stride">Step between windows.</param>
/// <param name="Dilation">Spacing between the steps a window reads.</param>
/// <param name="Padding">Valid (no padding), Same (output as long as the input at stride 1) or Causal (all padding before, so step t sees only steps up to t).</param>
public sealed record Conv1dSpec(int Filters, int KernelSize, int Stride = 1, int Dilation = 1,
    Conv1dPaddingMode Padding = Conv1dPaddingMode.Valid) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
        Require(Filters is >= 1 and <= 65_536, "Conv1d.Filters", Filters, "1 to 65536");
        Require(KernelSize is >= 1 and <= 7, "Conv1d.KernelSize", KernelSize, "1 to 7");
        Require(Stride is >= 1 and <= 1024, "Conv1d.Stride", Stride, "1 to 1024");
        Require(Dilation is >= 1 and <= 1024, "Conv1d.Dilation", Dilation, "1 to 1024");
        Require(Enum.IsDefined(Padding), "Conv1d.Padding", Padding, "Valid, Same or Causal");
    }

    internal override Layer Build(TensorShape input)
    {
        RequireSequence(input, "Conv1d");
        (int left, int right) = Conv1dPadding.Resolve(Padding, KernelSize, Dilation);
        int span = Dilation * (KernelSize - 1) + 1;
        Require(input.Steps + left + right >= span, "Conv1d.KernelSize", KernelSize, $"a window of {span} steps no longer than the padded input {input}");
        return new Conv1dLayer(input, Filters, KernelSize, Stride, Dilation, left, right);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"conv1d({Filters}, {KernelSize}, stride {Stride}{(Dilation > 1 ? $", dilation {Dilation}" : "")}, {Padding.ToString().ToLowerInvariant()})";
}
