// Keys in sorted order (byte order, as JSONEncoder's .sortedKeys); see JSONOutput.

extension CustomerSummary: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("city", city)
        out.field("contactsMasked", contactsMasked)
        out.field("id", id)
        out.field("lastOrderAt", lastOrderAt)
        out.field("name", name)
        out.field("orderCount", orderCount)
        out.field("ownerId", ownerId)
        out.field("ownerName", ownerName)
        out.field("primaryBuyer", primaryBuyer)
        out.field("primaryChef", primaryChef)
        out.field("primaryGF", primaryGF)
        out.field("revenue", revenue)
        out.field("segment", segment)
        out.field("status", status)
        out.field("territoryCode", territoryCode)
        out.endObject()
    }
}

extension Page: JSONWritable where Item: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.array("items", items)
        out.field("nextCursor", nextCursor)
        out.endObject()
    }
}

extension CustomerView.Contact: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("email", email)
        out.field("id", id)
        out.field("name", name)
        out.field("phone", phone)
        out.field("role", role)
        out.endObject()
    }
}

extension CustomerView.Protection: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("ownerId", ownerId)
        out.field("ownerName", ownerName)
        out.field("until", until)
        out.endObject()
    }
}

extension CustomerView.Sample: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("feedback", feedback)
        out.field("followUpDue", followUpDue)
        out.field("followedUpAt", followedUpAt)
        out.field("id", id)
        out.field("product", product)
        out.field("rating", rating)
        out.field("sentAt", sentAt)
        out.endObject()
    }
}

extension CustomerView.Orders: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("count", count)
        out.field("lastOrderAmount", lastOrderAmount)
        out.field("lastOrderAt", lastOrderAt)
        out.field("revenue", revenue)
        out.endObject()
    }
}

extension CustomerView.Activity: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("at", at)
        out.field("by", by)
        out.field("kind", kind)
        out.endObject()
    }
}

extension CustomerView: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("city", city)
        out.field("contactsMasked", contactsMasked)
        out.field("id", id)
        out.object("lastActivity", lastActivity)
        out.object("lastSample", lastSample)
        out.field("name", name)
        out.object("orders", orders)
        out.field("ownerId", ownerId)
        out.field("ownerName", ownerName)
        out.field("postalCode", postalCode)
        out.array("primaryContacts", primaryContacts)
        out.object("protection", protection)
        out.field("segment", segment)
        out.field("status", status)
        out.field("street", street)
        out.field("territoryCode", territoryCode)
        out.endObject()
    }
}

extension PipelineSegment: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("active", active)
        out.field("customersTotal", customersTotal)
        out.field("inactive", inactive)
        out.field("leads", leads)
        out.field("maxProtectedUntil", maxProtectedUntil)
        out.field("nextFollowUpDue", nextFollowUpDue)
        out.field("orderCount", orderCount)
        out.field("prospects", prospects)
        out.field("protectedLeads", protectedLeads)
        out.field("revenue", revenue)
        out.field("samplesAwaitingFollowUp", samplesAwaitingFollowUp)
        out.field("segment", segment)
        out.endObject()
    }
}

extension TerritoryPipeline: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.array("segments", segments)
        out.field("territoryCode", territoryCode)
        out.endObject()
    }
}

extension SampleFollowUp: JSONWritable {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.field("contactEmail", contactEmail)
        out.field("contactId", contactId)
        out.field("contactName", contactName)
        out.field("contactPhone", contactPhone)
        out.field("contactsMasked", contactsMasked)
        out.field("customerId", customerId)
        out.field("customerName", customerName)
        out.field("followUpDue", followUpDue)
        out.field("ownerId", ownerId)
        out.field("ownerName", ownerName)
        out.field("product", product)
        out.field("sampleId", sampleId)
        out.field("sentAt", sentAt)
        out.field("territoryCode", territoryCode)
        out.endObject()
    }
}
