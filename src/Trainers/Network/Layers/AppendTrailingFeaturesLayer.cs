namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Appends each sample's trailing features (per-sequence values stored after the steps) to its vector, or to every step
/// of its sequence; they carry no gradient.
/// </summary>
internal sealed class AppendTrailingFeaturesLayer : Layer
{
    private readonly int _trailing;
    private readonly int _rowsPerSample;
    private readonly int _width;

    public AppendTrailingFeaturesLayer(TensorShape input, int trailing)
        : base(input, input.IsSequence ? TensorShape.Sequence(input.Steps, input.Features + trailing) : TensorShape.Vector(input.Size + trailing))
    {
        _trailing = trailing;
        _rowsPerSample = input.IsSequence ? input.Steps : 1;
        _width = input.IsSequence ? input.Features : input.Size;
    }

    public override string Description => $"append {_trailing} trailing features";

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        int outWidth = _width + _trailing;
        for (int n = 0; n < context.Batch; n++)
        {
            ReadOnlySpan<float> trailing = context.TrailingFeatures.Slice(n * _trailing, _trailing);
            for (int r = 0; r < _rowsPerSample; r++)
            {
                int row = n * _rowsPerSample + r;
                input.Slice(row * _width, _width).CopyTo(output.Slice(row * outWidth, _width));
                trailing.CopyTo(output.Slice(row * outWidth + _width, _trailing));
            }
        }
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (dInput.IsEmpty)
            return;
        int outWidth = _width + _trailing;
        for (int row = 0; row < context.Batch * _rowsPerSample; row++)
            dOutput.Slice(row * outWidth, _width).CopyTo(dInput.Slice(row * _width, _width));
    }
}
