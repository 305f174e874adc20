using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Extensions.Trainers.Scoring;

/// <summary>
/// One upstream column's values for a block of rows read ahead, so a batched cursor can hand them out after the
/// upstream cursor has moved on. Vectors are copied into buffers the block owns (upstream getters may reuse theirs).
/// </summary>
internal abstract class BufferedColumn
{
    /// <summary>Reads the upstream cursor's current value into <paramref name="slot"/>.</summary>
    public abstract void Read(int slot);

    /// <summary>A getter of the value in the slot <paramref name="currentSlot"/> names when it is called.</summary>
    public abstract Delegate Getter(Func<int> currentSlot);

    /// <summary>A buffer of <paramref name="capacity"/> values of <paramref name="column"/> read from <paramref name="cursor"/>.</summary>
    public static BufferedColumn Create(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity)
    {
        Type type = column.Type is VectorDataViewType vector
            ? typeof(BufferedVector<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(BufferedValue<>).MakeGenericType(column.Type.RawType);
        return (BufferedColumn)Activator.CreateInstance(type, cursor, column, capacity)!;
    }

    private sealed class BufferedValue<T> : BufferedColumn
    {
        private readonly ValueGetter<T> _getter;
        private readonly T[] _values;

        public BufferedValue(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity)
        {
            _getter = cursor.GetGetter<T>(column);
            _values = new T[capacity];
        }

        public override void Read(int slot) => _getter(ref _values[slot]);

        public override Delegate Getter(Func<int> currentSlot) => (ValueGetter<T>)((ref T value) => value = _values[currentSlot()]);
    }

    private sealed class BufferedVector<T> : BufferedColumn
    {
        private readonly ValueGetter<VBuffer<T>> _getter;
        private readonly VBuffer<T>[] _values;
        private VBuffer<T> _read;

        public BufferedVector(DataViewRowCursor cursor, DataViewSchema.Column column, int capacity)
        {
            _getter = cursor.GetGetter<VBuffer<T>>(column);
            _values = new VBuffer<T>[capacity];
        }

        public override void Read(int slot)
        {
            _getter(ref _read);
            _read.CopyTo(ref _values[slot]);
        }

        public override Delegate Getter(Func<int> currentSlot) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[currentSlot()].CopyTo(ref value));
    }
}
