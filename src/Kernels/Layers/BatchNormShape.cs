namespace MLNet.Extensions.Kernels.Layers;

/// <summary>Batch normalization over x laid out (N, C, S): statistics per channel over N and S (S = H*W for images, 1 for dense).</summary>
public readonly record struct BatchNormShape(int Batch, int Channels, int Spatial)
{
    /// <summary>Elements of x: N*C*S.</summary>
    public int Size => Batch * Channels * Spatial;
}
