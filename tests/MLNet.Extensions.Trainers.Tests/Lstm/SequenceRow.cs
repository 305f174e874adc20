namespace MLNet.Extensions.Trainers.Tests.Lstm;

/// <summary>A synthetic sequence row: values, a class, a flag and a real target.</summary>
public sealed class SequenceRow
{
    public float[] Values { get; set; } = [];
    public uint Class { get; set; }
    public bool Flag { get; set; }
    public float Target { get; set; }
}
