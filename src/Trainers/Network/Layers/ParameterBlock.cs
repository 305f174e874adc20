namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>A named run of a layer's parameters, relative to the layer's own slice.</summary>
/// <param name="Name">Block name, e.g. "weight" or "bias".</param>
/// <param name="Offset">Start within the layer's parameters.</param>
/// <param name="Length">Floats in the block.</param>
/// <param name="Decay">Whether weight decay applies (weights yes; biases and normalization scales no).</param>
internal readonly record struct ParameterBlock(string Name, int Offset, int Length, bool Decay);
