import COpenBLAS

// MARK: - Matrix

/// A dense row-major matrix of `Float`, the shape batched scoring and minibatch training use.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row after row (`rows * columns` of them).
    public var storage: [Float]

    /// Makes a matrix from row-major entries.
    /// - Precondition: `storage.count == rows * columns`.
    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(rows >= 0 && columns >= 0, "A matrix cannot have negative size (\(rows)×\(columns)).")
        precondition(
            storage.count == rows * columns,
            "A \(rows)×\(columns) matrix needs \(rows * columns) entries, not \(storage.count)."
        )
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Makes a matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, storage: Array(repeating: value, count: rows * columns))
    }

    /// The entry at `row`, `column`.
    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// `self × vector` (`cblas_sgemv`).
    /// - Precondition: `vector.count == columns`.
    public func multiplied(by vector: [Float]) -> [Float] {
        precondition(vector.count == columns, "A \(rows)×\(columns) matrix cannot multiply a vector of \(vector.count).")
        var result = [Float](repeating: 0, count: rows)
        guard rows > 0 && columns > 0 else { return result }
        cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, storage, Int32(columns), vector, 1, 0,
            &result, 1
        )
        return result
    }

    /// `self × other`, or `self × otherᵀ` when `transposingOther` (`cblas_sgemm`).
    /// - Precondition: the inner dimensions agree.
    public func multiplied(by other: Matrix, transposingOther: Bool = false) -> Matrix {
        let inner = transposingOther ? other.columns : other.rows
        let outputColumns = transposingOther ? other.rows : other.columns
        precondition(
            inner == columns,
            "Cannot multiply \(rows)×\(columns) by \(other.rows)×\(other.columns)\(transposingOther ? "ᵀ" : "")."
        )
        var result = Matrix(rows: rows, columns: outputColumns)
        guard rows > 0 && outputColumns > 0 && columns > 0 else { return result }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposingOther ? CblasTrans : CblasNoTrans,
            Int32(rows), Int32(outputColumns), Int32(columns),
            1, storage, Int32(columns), other.storage, Int32(other.columns),
            0, &result.storage, Int32(outputColumns)
        )
        return result
    }
}
