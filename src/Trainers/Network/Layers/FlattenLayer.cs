namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// Reinterprets (C, H, W) as a flat vector. NCHW memory is already in that order, so in a network the output is the
/// input's buffer and the input gradient the output gradient's (<see cref="SequentialNetwork"/>), and nothing moves.
/// </summary>
internal sealed class FlattenLayer : Layer
{
    public FlattenLayer(TensorShape input)
        : base(input, TensorShape.Vector(input.Size))
    {
    }

    public override string Description => "flatten";

    public override bool OutputIsInput => true;

    public override bool BackwardIsNoOp => true;

    public override void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output)
    {
        if (!input.Overlaps(output))
            input.CopyTo(output);
    }

    public override void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        // As the first layer (an MLP over flattened images) there is no input gradient to write.
        if (!dInput.IsEmpty && !dOutput.Overlaps(dInput))
            dOutput.CopyTo(dInput);
    }
}
