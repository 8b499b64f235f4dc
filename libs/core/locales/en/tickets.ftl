# Ticket list
tickets-title = Tickets
tickets-empty = No tickets yet.
tickets-col-id = Number
tickets-col-title = Title
tickets-col-status = Status
tickets-col-priority = Priority
tickets-col-assignee = Assigned to
tickets-col-updated = Last activity
pager-label = Pages
pager-previous = Previous page
pager-next = Next page
pager-position = Page { $page }

# Ticket forms
ticket-new-title = Create a ticket
ticket-field-title = Title
ticket-field-body = Description (Markdown)
ticket-field-body-reply = Your reply (Markdown)
ticket-field-priority = Priority
ticket-field-category = Department / Category
ticket-field-status = Status
ticket-field-hours = Hours
ticket-field-hours-hint = Hours worked, for example 1.5 (at most two decimals).
ticket-field-files = Attach files
ticket-field-files-hint = Allowed types: { $extensions }. At most { $files } files, { $size } per file and { $total } in all.
ticket-create-submit = Create ticket
ticket-preview = Preview
ticket-preview-title = Preview
ticket-preview-files-again = A preview does not keep files: please choose them again before sending.
ticket-markdown-help = Markdown help
ticket-created = The ticket has been created.

# Ticket page
ticket-department-category = Department / Category
ticket-status = Status
ticket-priority = Priority
ticket-assigned = Assigned to
ticket-not-assigned = Not assigned
ticket-total-hours = Total hours
ticket-opened-by = Opened by { $name } on { $date }
ticket-closed-note = This ticket is closed. A reply reopens it.
ticket-hours = Hours: { $hours }
ticket-reply-number = Reply #{ $n }
ticket-modified = Modified by { $name } on { $date }
ticket-modified-no-date = Modified by { $name }
ticket-history-link = edit history
ticket-quote = Quote
ticket-edit = Edit
ticket-attachments = Attachments
ticket-wrote = { $name } wrote on { $date }:
ticket-actions = Actions
ticket-claim = Claim
ticket-release = Release
ticket-close = Close
ticket-reopen = Reopen
ticket-assign-label = Assign to (user name)
ticket-assign = Assign
ticket-category-label = New department / category
ticket-category-change = Change department / category
ticket-subscribers = Subscribers
ticket-no-subscribers = Nobody follows this ticket.
ticket-unsubscribe = Unsubscribe { $name }
ticket-subscribe-label = Subscribe a user (user name)
ticket-people-hint = As you type, people whose user name or name contains the text are suggested.
ticket-subscribe = Subscribe
ticket-delete = Delete ticket
ticket-delete-warning = This deletes the ticket with its replies, attachments and history, for good.
ticket-delete-post = Delete reply
ticket-delete-post-warning = This deletes the reply with its attachments and history, for good.
ticket-delete-password = Your password, to confirm
ticket-replies = Replies
ticket-no-replies = No replies yet.
ticket-reply-title = Reply
ticket-reply-submit = Reply
ticket-reply-close-submit = Reply and close

# Edit pages
ticket-edit-title = Edit ticket #{ $id }
ticket-edit-post-title = Edit a reply to ticket #{ $id }
ticket-edit-submit = Save changes
ticket-remove-files = Remove attachments
ticket-remove-file = Remove { $name }

# History
history-ticket-title = Edit history of ticket #{ $id }
history-post-title = Edit history of a reply to ticket #{ $id }
history-entry = { $name } originally wrote (replaced on { $date }):
history-empty = No changes have been made to the content.
history-back = Back to the ticket

# Results
ticket-replied = Your reply has been posted.
ticket-replied-closed = Your reply has been posted and the ticket closed.
ticket-edited = The ticket has been updated.
ticket-post-edited = The reply has been updated.
ticket-claimed = You have claimed the ticket.
ticket-released = The ticket has been released.
ticket-assigned-done = The ticket has been assigned.
ticket-closed = The ticket has been closed.
ticket-reopened = The ticket has been reopened.
ticket-category-changed = The department / category has been changed.
ticket-subscribed = The user has been subscribed.
ticket-unsubscribed = The user has been unsubscribed.
ticket-deleted = The ticket has been deleted.
ticket-post-deleted = The reply has been deleted.
ticket-wrong-password = Wrong password: nothing has been deleted.

# Refusals
ticket-error-body-length = The text must be 5 to 10,000 characters long.
ticket-error-hours = Hours must be a number from 0 to 99999.99, with at most two decimals.
ticket-error-category = Please choose an existing department / category.
ticket-error-priority = Please choose an existing priority.
ticket-error-status = Please choose an existing status other than Closed.
ticket-error-closed = This ticket is closed.
ticket-error-not-closed = This ticket is not closed.
ticket-error-not-assigned = This ticket is not assigned to anyone.
ticket-error-unknown-user = There is no active user with this user name.
ticket-error-too-many-files = Too many attachments: remove some first.
ticket-error-bad-form = The form could not be read. Please try again.
ticket-error-field-too-long = A field of the form is far too long.
ticket-claim-already = This ticket is already assigned to you.
ticket-assign-already = This ticket is already assigned to this user.
ticket-category-unchanged = The ticket is already in this department / category.
ticket-subscribe-already = This user is already subscribed.
ticket-unsubscribe-not-subscribed = This user is not subscribed.
upload-error-file-too-large = A file is too large: the limit is { $value } per file.
upload-error-request-too-large = The files are too large together: the limit is { $value } in all.
upload-error-extension = This type of file is not allowed (a file must have one of these extensions: { $value }).
upload-error-too-many = Too many files: at most { $value } at a time.

# Activity
activity-opened = Ticket opened by { $actor }
activity-reopened = Ticket reopened by { $actor }
activity-assign = Ticket assigned to { $recipient } by { $actor }
activity-claim = Ticket claimed by { $actor }
activity-status = Ticket status changed to “{ $value }” by { $actor }
activity-priority = Ticket priority changed to “{ $value }” by { $actor }
activity-release = Ticket released by { $actor }
activity-close = Ticket closed by { $actor }
activity-department-category = Ticket moved to “{ $value }” by { $actor }
activity-subscribe = { $recipient } subscribed to the ticket by { $actor }
activity-unsubscribe = { $recipient } unsubscribed from the ticket by { $actor }
activity-deleted-user = a deleted user

# Markdown help
help-markdown-title = Markdown help
help-markdown-intro = Tickets and replies are written in Markdown. HTML is not allowed: it is removed when the text is shown.
help-md-what = To get
help-md-type = Type
help-md-result = Result
help-md-heading = Headings
help-md-paragraph = Paragraphs (leave a blank line)
help-md-emphasis = Bold, italic, struck through
help-md-link = A link
help-md-list = A list
help-md-ordered = A numbered list
help-md-quote = A quotation
help-md-code = Code in a sentence
help-md-block = A block of code
help-md-table = A table
help-md-rule = A horizontal rule
