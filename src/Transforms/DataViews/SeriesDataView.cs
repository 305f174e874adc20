using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Transforms.MLNetSeam;

namespace MLNet.Extensions.Transforms.DataViews;

/// <summary>
/// A data view that appends columns computed from a series read in row order: one sequential cursor (no shuffling, no
/// parallel cursors) that always reads the series column, passes the input's columns through, and asks the derived
/// cursor for the appended ones. The sliding window and the LSTM forecaster both produce one; with covariates (or several
/// window columns) every cursor reads each of them.
/// </summary>
internal abstract class SeriesDataView : IDataView
{
    protected SeriesDataView(IHost host, IDataView input, DataViewSchema schema, IReadOnlyList<string> seriesColumns, bool keepsEveryRow)
    {
        Host = host;
        Input = input;
        Schema = schema;
        SeriesColumns = seriesColumns;
        KeepsEveryRow = keepsEveryRow;
    }

    /// <summary>The owning transformer's host, whose cancellation (<c>MLContext.CancelExecution</c>) stops the cursors.</summary>
    protected IHost Host { get; }

    /// <summary>The view being extended.</summary>
    protected IDataView Input { get; }

    /// <summary>The series columns every cursor reads.</summary>
    protected IReadOnlyList<string> SeriesColumns { get; }

    /// <summary>Whether every input row comes out (so the row count is the input's).</summary>
    private bool KeepsEveryRow { get; }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => KeepsEveryRow ? Input.GetRowCount() : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new HashSet<int>(columnsNeeded.Select(c => c.Index));
        var series = new HashSet<int>(SeriesColumns.Select(name => Input.Schema[name].Index));
        DataViewRowCursor input = Input.GetRowCursor(Input.Schema.Where(c => active.Contains(c.Index) || series.Contains(c.Index)));
        return CreateCursor(input, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>The derived view's cursor over <paramref name="input"/>.</summary>
    protected abstract DataViewRowCursor CreateCursor(DataViewRowCursor input, HashSet<int> active);

    /// <summary>Passes input columns through and leaves the appended ones and the row movement to the derived cursor.</summary>
    protected abstract class SeriesCursor : DataViewRowCursor
    {
        private readonly DataViewSchema _schema;
        private readonly HashSet<int> _active;
        private readonly IHost _host;

        protected SeriesCursor(SeriesDataView view, DataViewRowCursor input, HashSet<int> active)
        {
            _host = view.Host;
            _schema = view.Schema;
            _active = active;
            InputCursor = input;
        }

        /// <summary>Throws <see cref="OperationCanceledException"/> when the owning context was cancelled; derived cursors call it per row.</summary>
        protected void ThrowIfCancelled() => HostCancellation.ThrowIfCancelled(_host);

        /// <summary>The cursor over the input view.</summary>
        protected DataViewRowCursor InputCursor { get; }

        public override DataViewSchema Schema => _schema;

        public override long Batch => 0;

        public override ValueGetter<DataViewRowId> GetIdGetter() => InputCursor.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < InputCursor.Schema.Count
                ? InputCursor.GetGetter<TValue>(InputCursor.Schema[column.Index])
                : (ValueGetter<TValue>)AppendedGetter(column.Index - InputCursor.Schema.Count);

        /// <summary>A getter for appended column <paramref name="index"/> (0 = first appended column).</summary>
        protected abstract Delegate AppendedGetter(int index);

        /// <summary>A getter copying <paramref name="source"/> into a vector.</summary>
        protected static ValueGetter<VBuffer<float>> VectorGetter(float[] source, Action? before = null) => (ref VBuffer<float> destination) =>
        {
            before?.Invoke();
            var editor = VBufferEditor.Create(ref destination, source.Length);
            source.CopyTo(editor.Values);
            destination = editor.Commit();
        };

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                InputCursor.Dispose();
            base.Dispose(disposing);
        }
    }
}
