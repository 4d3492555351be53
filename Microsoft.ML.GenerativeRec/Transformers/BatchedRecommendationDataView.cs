using System.Runtime.CompilerServices;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>
/// The output of <see cref="SequentialRecommenderTransformer.Transform"/>: the input rows plus recommendations computed
/// for <see cref="SequentialRecommenderTransformer.TransformBatchSize"/> rows at a time.
/// </summary>
/// <remarks>
/// <para>
/// A cursor runs two input cursors in step: one serves the input columns of the current row, the other reads the
/// history columns ahead to fill the next batch. Neither shuffles, so a view that keeps IDataView's contract gives
/// both the same rows in the same order; the cursor checks that by row id and throws on the first row where a view
/// breaks it, instead of serving one row's recommendations with another row's columns.
/// </para>
/// <para>
/// For ML.NET's ONNX converter and legacy saving, which walk a pipeline's data views back from its output, the view stands
/// for the row-at-a-time view ML.NET would have made of the same transformer (<c>RowToRowMapperTransform</c>): both
/// delegate to it, so <c>mlContext.Model.ConvertToOnnx</c> finds the model's graph here.
/// </para>
/// </remarks>
internal sealed class BatchedRecommendationDataView : ITransformCanSaveOnnx
{
    private readonly IHost _host;
    private readonly IDataView _input;
    private readonly ServingColumns _columns;
    private readonly Lazy<RowToRowMapperTransform> _rowByRow;

    /// <param name="host">The transformer's host.</param>
    /// <param name="input">The rows to score.</param>
    /// <param name="columns">The model's input columns in <paramref name="input"/>.</param>
    /// <param name="schema">The output schema.</param>
    /// <param name="rowByRow">Makes the transformer's row-at-a-time view of <paramref name="input"/>.</param>
    public BatchedRecommendationDataView(IHost host, IDataView input, ServingColumns columns, DataViewSchema schema, Func<RowToRowMapperTransform> rowByRow)
    {
        _host = host;
        _input = input;
        _columns = columns;
        Schema = schema;
        _rowByRow = new Lazy<RowToRowMapperTransform>(rowByRow);
    }

    public DataViewSchema Schema { get; }

    /// <summary>Gets the input rows: the view before this one, for the converter's walk back.</summary>
    public IDataView Source => _input;

    public bool CanShuffle => false;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int inputCount = _input.Schema.Count;
        var needed = columnsNeeded.ToArray();
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => _input.Schema[c.Index]);
        bool outputsNeeded = needed.Any(c => c.Index >= inputCount);
        var main = _input.GetRowCursor(inputColumns);
        var ahead = outputsNeeded ? _input.GetRowCursor(_columns.All) : null;
        return new Cursor(this, main, ahead);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    public bool CanSaveOnnx(OnnxContext ctx) => ((ICanSaveOnnx)_rowByRow.Value).CanSaveOnnx(ctx);

    public void SaveAsOnnx(OnnxContext ctx) => ((ISaveAsOnnx)_rowByRow.Value).SaveAsOnnx(ctx);

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_rowByRow.Value).Save(ctx);

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedRecommendationDataView _view;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly Func<ServingRequest>? _read;
        private readonly ValueGetter<DataViewRowId>? _aheadId;
        private readonly ValueGetter<DataViewRowId> _mainId;
        private readonly StrongBox<long> _unknownItems = new();
        private readonly List<ServingRequest> _requests = [];
        private readonly List<DataViewRowId> _requestIds = [];
        private Recommendation[] _batch = [];
        private int _indexInBatch = -1;

        public Cursor(BatchedRecommendationDataView view, DataViewRowCursor main, DataViewRowCursor? ahead)
        {
            _view = view;
            _main = main;
            _ahead = ahead;
            _read = ahead is null ? null : view._columns.MakeReader(ahead, _unknownItems);
            _aheadId = ahead?.GetIdGetter();
            _mainId = main.GetIdGetter();
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _main.Position;

        public override long Batch => _main.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column)
            => column.Index >= _view._input.Schema.Count ? _ahead is not null : _main.IsColumnActive(_view._input.Schema[column.Index]);

        public override bool MoveNext()
        {
            if (!_main.MoveNext())
            {
                return false;
            }

            if (_ahead is not null)
            {
                if (++_indexInBatch >= _batch.Length)
                {
                    FillBatch();
                }

                CheckSameRow();
            }

            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _view._input.Schema.Count;
            if (column.Index < inputCount)
            {
                return _main.GetGetter<TValue>(_view._input.Schema[column.Index]);
            }

            Delegate getter = RecommendationGetters.MakeGetter(column.Index - inputCount, _view._columns.Recommender.Vocabulary, Current);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}' for column '{column.Name}' of type {column.Type}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _ahead?.Dispose();
                SequentialRecommenderTransformer.WarnAboutUnknownItems(_view._host, _unknownItems.Value);
            }

            base.Dispose(disposing);
        }

        private Recommendation Current()
        {
            if (_indexInBatch < 0 || _indexInBatch >= _batch.Length)
            {
                throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");
            }

            return _batch[_indexInBatch];
        }

        private void FillBatch()
        {
            _requests.Clear();
            _requestIds.Clear();
            DataViewRowId id = default;
            while (_requests.Count < SequentialRecommenderTransformer.TransformBatchSize && _ahead!.MoveNext())
            {
                _requests.Add(_read!());
                _aheadId!(ref id);
                _requestIds.Add(id);
            }

            if (_requests.Count == 0)
            {
                throw new InvalidOperationException("The input view returned fewer rows to the look-ahead cursor than to the main cursor; it must return the same rows every time it is read.");
            }

            _batch = _view._columns.Recommender.Recommend(_requests);
            _indexInBatch = 0;
        }

        private void CheckSameRow()
        {
            DataViewRowId id = default;
            _mainId(ref id);
            if (!id.Equals(_requestIds[_indexInBatch]))
            {
                throw new InvalidOperationException(
                    $"Row index {_main.Position}: the input view returned row id {id} to one cursor and {_requestIds[_indexInBatch]} to another; " +
                    "it must return the same rows in the same order every time it is read. Cache it first (mlContext.Data.Cache) or fix its cursors.");
            }
        }
    }
}
