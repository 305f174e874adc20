namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Inverted dropout while training; identity at inference.</summary>
internal sealed class DropoutLayer : Layer
{
    private readonly float _rate;

    public DropoutLayer(TensorShape input, float rate)
        : base(input, input)
    {
        _rate = rate;
    }

    public override string Description => $"dropout {_rate}";

    public override int CacheSize(int batch) => batch * InputShape.Size;

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        if (context.Training && _rate > 0)
            Kernels.Layers.Dropout.Forward(input, output, context.Cache[..input.Length], _rate, ref context.Random);
        else
            input.CopyTo(output);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        if (dInput.IsEmpty)
            return;
        if (_rate > 0)
            Kernels.Layers.Dropout.Backward(dOutput, context.Cache[..dOutput.Length], dInput);
        else
            dOutput.CopyTo(dInput);
    }
}
