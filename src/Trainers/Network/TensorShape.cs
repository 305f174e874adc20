namespace MLNet.Extensions.Trainers.Network;

/// <summary>Shape of one sample flowing between layers: channels, height, width (a flat vector is (n, 1, 1)).</summary>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>Floats per sample: C*H*W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>A flat vector of <paramref name="length"/> features.</summary>
    public static TensorShape Vector(int length) => new(length, 1, 1);

    /// <inheritdoc />
    public override string ToString() => Height == 1 && Width == 1 ? $"({Channels})" : $"({Channels}, {Height}, {Width})";
}
